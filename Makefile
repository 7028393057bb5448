# The two commands of the README: `make run` and `make test`. Both set up and build first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
# Every checkout (a fresh CI clone, a worktree) shares one ccache: paths are hashed relative to
# the checkout and the build directory is not hashed.
export CCACHE_BASEDIR  ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all setup build build-asan build-tsan run test test-unit test-asan bench fuzz format clean

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPINPIPE_SANITIZE=ON

build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

$(TSAN_BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPINPIPE_TSAN=ON

build-tsan: setup $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS)

# The whole pipeline end to end on embedded defaults.
run: build
	./$(BUILD)/pinpipe demo

# Unit tests (normal, ASan/UBSan and ThreadSanitizer builds), integration tests on the real binary,
# interop tests with real clients, fuzz smoke; one closing "N passed, N failed" line.
test: build build-asan build-tsan
	@tests/run_all $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bench/run_all $(BUILD)

fuzz: setup
	@tests/run_fuzz

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-fuzz
