#!/bin/sh
# The NEON kernels on an x86 machine: cross-build for aarch64 with Debian's cross compiler and
# run the kernel tests (ctest label `act`, not `slow`) under qemu-user.
# Installs the cross packages if missing (scripts/deps.sh neon).
#
# Environment:
#   BUILD_NEON       build directory (default build-neon)
#   JOBS             parallel build and test jobs (default 2)
#   CMAKE_FLAGS      extra cmake arguments; ACTLAB_WERROR=1 adds -DACTLAB_WERROR=ON
#   NEON_SWEEP=1     also run test_sweep. It is left out by default: under qemu it takes ~8.5 min
#                    on its own (its long double oracle is software binary128 on aarch64, ~30x
#                    slower than double under emulation), against ~10 s for the other act tests.
#                    test_kernels and test_special still hold every NEON kernel to the oracle
#                    and the reference.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_NEON:-build-neon}
jobs=${JOBS:-2}
flags=${CMAKE_FLAGS:-}
[ "${ACTLAB_WERROR:-0}" = 1 ] && flags="$flags -DACTLAB_WERROR=ON"
sysroot=/usr/aarch64-linux-gnu

sh scripts/deps.sh neon

start=$(date +%s)
# shellcheck disable=SC2086 # flags is a list of arguments
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=Release $flags >/dev/null
cmake --build "$build" -j "$jobs"

# Fail early and clearly if the emulator cannot run what was built.
qemu-aarch64 -L "$sysroot" "$build/actlab" info | head -3

exclude=""
[ "${NEON_SWEEP:-0}" = 1 ] || exclude="^test_sweep\$"
echo "test-neon: ctest -L act -LE slow${exclude:+ -E $exclude} (under qemu-aarch64)"
cd "$build"
if [ -n "$exclude" ]; then
  ctest -L act -LE slow -E "$exclude" --output-on-failure -j "$jobs"
else
  ctest -L act -LE slow --output-on-failure -j "$jobs"
fi
echo "test-neon: done in $(( $(date +%s) - start )) s"
