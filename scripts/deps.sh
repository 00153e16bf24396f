#!/bin/sh
# Installs the Debian packages actlab needs, if any are missing (root: apt-get; else: says what to run).
# Usage: scripts/deps.sh [build|test|run|bench|neon|avx512|fuzz|valgrind]
set -eu
what=${1:-build}
pkgs="build-essential cmake pkg-config libopenblas-dev zlib1g-dev libjansson-dev"
case "$what" in
  test) pkgs="$pkgs dataset-fashion-mnist gnuplot-nox" ;;
  run) pkgs="$pkgs dataset-fashion-mnist gnuplot-nox" ;;
  fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
  valgrind) pkgs="$pkgs valgrind dataset-fashion-mnist" ;;
  neon) pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user" ;;
  avx512) pkgs="$pkgs libsimde-dev" ;;
  bench) pkgs="$pkgs libdnnl-dev libxnnpack-dev libpthreadpool-dev python3-torch python3-numpy dataset-fashion-mnist" ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
else
  echo "deps: missing packages:$missing" >&2
  echo "deps: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
