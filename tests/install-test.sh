#!/bin/sh
# Installs libactlab into a temporary prefix and builds a user's program with pkg-config,
# against the shared and the static library; both must run and print the expected values.
# With the engine built, also a training program through actlab-nn.pc (examples/train_demo.c).
set -eu
build=$1 src=$2 engine=${3:-}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/$(gcc -print-multiarch 2>/dev/null)/pkgconfig"
for f in include/actlab/act.h; do [ -f "$prefix/$f" ] || { echo "missing $f"; echo "0 passed, 1 failed"; exit 1; }; done
cc -std=c11 -Wall -Werror "$src/examples/relu_demo.c" $(pkg-config --cflags --libs actlab) -o "$prefix/demo_shared"
cc -std=c11 -Wall -Werror "$src/examples/relu_demo.c" $(pkg-config --cflags actlab) \
   "$(pkg-config --variable=libdir actlab)/libactlab.a" -lm -lpthread -o "$prefix/demo_static"
expected='x=-2 y=-0.2 dx=0.1'
pass=0 fail=0
for v in shared static; do
  out=$(LD_LIBRARY_PATH="$(pkg-config --variable=libdir actlab)" "$prefix/demo_$v" | head -1)
  if [ "$out" = "$expected" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "demo_$v printed '$out', want '$expected'"; fi
done
# The engine, when this build has it (third argument "engine"): a user's training program
# through actlab-nn.pc, which must then be installed.
if [ "$engine" = engine ]; then
  out=
  if cc -std=c11 -Wall -Werror "$src/examples/train_demo.c" $(pkg-config --cflags --libs actlab-nn) -o "$prefix/train_demo" &&
     out=$(LD_LIBRARY_PATH="$(pkg-config --variable=libdir actlab)" "$prefix/train_demo") && echo "$out" | grep -q " ok$"; then
    pass=$((pass+1))
  else
    fail=$((fail+1)); echo "train_demo failed: '${out:-did not build}'"
  fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
