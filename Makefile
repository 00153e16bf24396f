# Thin wrapper over CMake. `make run`: set-up, build, main job. `make test`: set-up, build, all tests.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-asan test-neon test-avx512 test-valgrind test-slow fuzz bench install clean

all: build

deps:
	@sh scripts/deps.sh $(DEPS)

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: DEPS=run
run: deps build
	@sh scripts/run.sh $(BUILD)

test: DEPS=test
test: deps build
	@cd $(BUILD) && ctest --output-on-failure -LE slow -j $(JOBS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: DEPS=test
test-asan: deps
	@$(MAKE) --no-print-directory build BUILD=build-asan CMAKE_FLAGS="-DACTLAB_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo"
	@cd build-asan && ctest --output-on-failure -LE slow -j $(JOBS)

# A short training, resume, evaluation and export under valgrind memcheck (scripts/valgrind.sh).
test-valgrind: DEPS=test
test-valgrind: deps build
	@sh scripts/valgrind.sh $(BUILD)

# The NEON kernels: cross-built for aarch64, kernel tests under qemu-user (scripts/test-neon.sh).
test-neon:
	@BUILD_NEON=build-neon JOBS=$(JOBS) CMAKE_FLAGS="$(CMAKE_FLAGS)" sh scripts/test-neon.sh

# The AVX-512 kernels on a CPU without AVX-512: built over SIMDe, kernel tests (scripts/test-avx512.sh).
test-avx512:
	@BUILD_AVX512=build-avx512 JOBS=$(JOBS) CMAKE_FLAGS="$(CMAKE_FLAGS)" sh scripts/test-avx512.sh

# Every libFuzzer harness for FUZZ_SECONDS (default 30) each, or FUZZ_RUNS executions from a
# fixed seed (clang; scripts/fuzz.sh).
fuzz:
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),30) FUZZ_RUNS=$(FUZZ_RUNS) JOBS=$(JOBS) sh scripts/fuzz.sh

# The exhaustive sweeps over all 2^32 float inputs (hours, not for CI).
test-slow: build
	@cd $(BUILD) && ctest --output-on-failure -L slow

# The benchmark, never a test: actlab vs oneDNN, XNNPACK, a plain C loop and bandwidth baselines, then PyTorch.
bench: DEPS=bench
bench: deps build
	@$(BUILD)/actlab bench $(BENCH_ARGS)
	@/usr/bin/python3 bench/torch_act_bench.py --actlab $(BUILD)/actlab $(BENCH_ARGS)

install: build
	@cmake --install $(BUILD) --prefix $(or $(PREFIX),/usr/local)

clean:
	@rm -rf build build-asan build-neon build-avx512 build-fuzz
