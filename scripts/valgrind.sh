#!/bin/sh
# A short training run, its --resume and an evaluation under valgrind memcheck: no invalid reads or
# writes, no use of uninitialised values, no leaks (definite or indirect). Exits 1 on any finding.
# Needs the Release build in $1 (default build) and Fashion-MNIST.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
sh scripts/deps.sh valgrind
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# One OpenBLAS thread: its idle worker threads are not ours to check.
export OPENBLAS_NUM_THREADS=1
vg() {
  valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --quiet "$@"
}
model='conv:4,k=3;act;maxpool:2;flatten;dense:32;act;dense:10'
vg "$build"/actlab train --model "$model" --act prelu --optim adam --train-limit 300 --test-limit 100 \
  --epochs 1 --threads 1 --quiet --out "$out/run"
vg "$build"/actlab train --resume --epochs 2 --threads 1 --quiet --out "$out/run"
vg "$build"/actlab evaluate "$out/run/model.safetensors" --test-limit 100 >/dev/null
vg "$build"/actlab export-torch "$out/run/model.safetensors" >/dev/null
vg "$build"/actlab train --model mlp --lr 50 --train-limit 300 --test-limit 100 --epochs 1 --threads 1 --quiet \
  --out "$out/diverge" 2>/dev/null || [ $? -eq 3 ]
echo "valgrind: train, resume, evaluate, export-torch and a diverging run are clean"
