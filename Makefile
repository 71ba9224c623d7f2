# SPDX-License-Identifier: Apache-2.0
# The two commands a new user needs:  make demo  and  make test  (README.md).
# Test builds compile in scan's test-only fault injection (KB_FAULT_INJECTION, docs/fleet.md);
# a plain cmake build or an install does not.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
VALGRIND_BUILD ?= build-valgrind

.PHONY: all deps build test demo asan-test fuzz valgrind-test clean

all: build

deps:
	@scripts/install-deps --check || scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKB_WERROR=ON -DKB_FAULT_INJECTION=ON $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (CI runs it).
asan-test: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKB_WERROR=ON -DKB_SANITIZE=ON -DKB_FAULT_INJECTION=ON $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# libFuzzer (clang): each harness of tests/fuzz for FUZZ_SECONDS seconds, one after the other,
# seeded from the fixture images (docs/security.md). CI runs it with FUZZ_SECONDS=30.
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DKB_WERROR=ON -DKB_FUZZ=ON $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_pe fuzz_hive fuzz_scan fixtures
	tests/fuzz/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Valgrind memcheck over the integration tests and the damage corpus (label valgrind):
# kbprobe under valgrind --error-exitcode=99 --leak-check=full (tests/damage/CMakeLists.txt).
valgrind-test: deps
	cmake -S . -B $(VALGRIND_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKB_WERROR=ON -DKB_VALGRIND=ON $(CMAKE_ARGS)
	cmake --build $(VALGRIND_BUILD) -j $(JOBS) --target kbprobe ntfsbuild
	ctest --test-dir $(VALGRIND_BUILD) --output-on-failure -j $(JOBS) -L valgrind

demo: build
	scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(VALGRIND_BUILD)
