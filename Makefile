# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing
# (scripts/setup.sh is idempotent), build, and then run the example pipeline or the test suite.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
STRATA := $(BUILD_DIR)/strata
EXAMPLE_DIR ?= build/example-streaming
SCALE ?= 1
JOBS ?= $(shell nproc)

.PHONY: run test build setup setup-test bench fuzz format check-format clean debug-test

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

build: setup
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	@bash scripts/run_example.sh $(STRATA) $(EXAMPLE_DIR) $(SCALE)

test: setup-test build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j 2 --timeout 900

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
debug-test:
	@$(MAKE) --no-print-directory test PRESET=debug

bench: build
	@bash scripts/setup.sh --bench
	@python3 bench/run.py --strata $(STRATA)

# libFuzzer targets of the protocol and HTTP request parsers (fuzz/Makefile), each run for
# FUZZ_SECONDS (default 60); FUZZ_TARGETS picks some of them.
fuzz:
	@bash scripts/setup.sh --fuzz
	@$(MAKE) --no-print-directory -C fuzz run

format:
	@find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

check-format:
	@find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	@rm -rf build
