# The two commands of the README: `make run` and `make test`. Both set up and build first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
# Every checkout (a fresh CI clone, a worktree) shares one ccache: paths are hashed relative to
# the checkout and the build directory is not hashed.
export CCACHE_BASEDIR  ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

PREFIX     ?= /usr/local
# Warnings are errors in every build made through this Makefile (and so in CI); a plain
# `cmake` build leaves them warnings.
CMAKE_FLAGS ?= -DPINPIPE_WERROR=ON

.PHONY: all setup build build-asan build-tsan run test test-unit test-asan bench fuzz format clean install deb release-check

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPINPIPE_SANITIZE=ON $(CMAKE_FLAGS)

build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

$(TSAN_BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPINPIPE_TSAN=ON $(CMAKE_FLAGS)

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

# The binary, bash and zsh completions, the man page and the systemd unit under $(PREFIX)
# (staged under $(DESTDIR) when set: make install DESTDIR=/tmp/stage PREFIX=/usr).
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# A Debian package (build/pinpipe_<version>_<arch>.deb) of what `make install` installs,
# under /usr, with the service's user created at installation.
deb: build
	cd $(BUILD) && cpack -G DEB

# What users build: Release with GCC and clang (-Werror), a smoke run of each, the .deb
# inspected and unpacked (part of `make test`, through tests/run_all).
release-check: setup
	@tests/run_release

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-fuzz build-release-gcc build-release-clang
