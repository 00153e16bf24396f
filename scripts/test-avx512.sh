#!/bin/sh
# The AVX-512 kernels on a machine without AVX-512: build them over SIMDe's portable AVX-512
# intrinsics (Debian's libsimde-dev, which runs them on AVX2+FMA), let dispatch treat the CPU as
# having AVX-512, and run the kernel tests (ctest label `act`, not `slow`). They hold every
# AVX-512 kernel to the oracle and the reference, as on real hardware, where the normal build
# runs the same tests with the hardware instructions.
#
# Environment:
#   BUILD_AVX512     build directory (default build-avx512)
#   JOBS             parallel build and test jobs (default 2)
#   CMAKE_FLAGS      extra cmake arguments
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_AVX512:-build-avx512}
jobs=${JOBS:-2}
flags=${CMAKE_FLAGS:-}

sh scripts/deps.sh avx512
if ! grep -q avx2 /proc/cpuinfo || ! grep -qw fma /proc/cpuinfo; then
  echo "test-avx512: this CPU lacks AVX2+FMA, which the emulation runs on: skipped"
  exit 0
fi

start=$(date +%s)
# shellcheck disable=SC2086 # flags is a list of arguments
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DACTLAB_AVX512_SIMDE=ON $flags >/dev/null
cmake --build "$build" -j "$jobs"
"$build/actlab" info | sed -n 3p   # dispatch: avx512
echo "test-avx512: ctest -L act -LE slow (AVX-512 through SIMDe)"
cd "$build"
ctest -L act -LE slow --output-on-failure -j "$jobs"
echo "test-avx512: done in $(( $(date +%s) - start )) s"
