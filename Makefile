# edigate: `make run` and `make test` each install what is needed, build, then run or test.
BUILD     ?= build
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps configure build test run bench fuzz fuzz-build clean format

all: build

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DEDIGATE_WERROR=ON $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

run: build
	./scripts/demo.sh $(BUILD)/edigate

# Every benchmark in tests/bench/, one after another (docs/benchmarks.md). BENCH_PAUSE seconds
# between those that create and delete many files: on ext4 without a journal, files deleted in
# the last minutes slow the next run's file creation.
BENCH_PAUSE ?= 90
bench: build
	$(BUILD)/tests/bench/edi_bench
	$(BUILD)/tests/bench/as2_bench
	tests/bench/gateway_bench.sh "$(abspath $(BUILD))/edigate" "$(CURDIR)"
	sleep $(BENCH_PAUSE)
	tests/bench/sftp_bench.sh $(BUILD)/edigate
	sleep $(BENCH_PAUSE)
	tests/bench/purge_bench.sh $(BUILD)/edigate

# libFuzzer targets with ASan+UBSan (clang). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 600
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DEDIGATE_FUZZ=ON -DEDIGATE_TESTS=OFF \
	  -DEDIGATE_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS) --target fuzz_x12 fuzz_edifact fuzz_as2_mime fuzz_as2_mdn fuzz_as2_cms fuzz_as2_receive \
	  fuzz_mapping fuzz_canonical fuzz_sftp_path fuzz_sftp_wire fuzz_sftp_session fuzz_gateway_http fuzz_http_session

fuzz: fuzz-build
	./tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)
	./tests/fuzz/run_as2.sh build-fuzz $(FUZZ_SECONDS)
	./tests/fuzz/run_mapping.sh build-fuzz $(FUZZ_SECONDS)
	build-fuzz/tests/fuzz/fuzz_sftp_path $$(mktemp -d) tests/fuzz/corpus/sftp_path \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=300 -print_final_stats=1
	build-fuzz/tests/fuzz/fuzz_sftp_wire $$(mktemp -d) tests/fuzz/corpus/sftp_wire \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1
	build-fuzz/tests/fuzz/fuzz_sftp_session $$(mktemp -d) tests/fuzz/corpus/sftp_session \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) build-fuzz
