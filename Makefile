# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
# Each target installs missing Debian packages first (scripts/install-deps, idempotent).

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
# Clones in other folders (CI) reuse the compiler cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_ARGS ?=
DEMO_ARGS  ?=

.PHONY: all deps build run test check bench fuzz clean format screenshots package

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

# The demo: server on embedded storage + a simulated ERP streaming events for a few tenants.
run: build
	$(BUILD)/readside demo $(DEMO_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# AddressSanitizer + UndefinedBehaviorSanitizer build running the same C++ and integration
# tests, then a short libFuzzer run of every fuzzer. One clang tree serves both: the code is
# compiled once with ASan, UBSan and libFuzzer's coverage hooks (`fuzzer-no-link`, inert unless
# a fuzzer links libFuzzer), the tests link it as is and the fuzz targets add libFuzzer. The
# benchmarks are left out: their figures mean nothing under sanitizers. The web app's own tests
# (TypeScript, Vitest, Chromium) run once, in `make test`: the sanitizers have nothing to add to
# them, and the server routes they call are under the integration tests here.
$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
	  -DREADSIDE_SANITIZE=ON -DREADSIDE_FUZZ=ON -DREADSIDE_BENCH=OFF -DREADSIDE_WEB=OFF \
	  -DCMAKE_CXX_FLAGS="-O1 -fsanitize=fuzzer-no-link" $(CMAKE_ARGS)

check: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900
	FUZZ_BUILD=$(ASAN_BUILD) fuzz/run.sh 30

# Fuzz longer: `make fuzz FUZZ_SECONDS=3600`.
FUZZ_SECONDS ?= 600
fuzz: deps $(ASAN_BUILD)/build.ninja
	FUZZ_BUILD=$(ASAN_BUILD) fuzz/run.sh $(FUZZ_SECONDS)

# Screenshots of every page of the web app at 1440 and 390 px into docs/screenshots/ (README).
screenshots: build
	cd web && SCREENSHOTS=1 READSIDE_BIN=$(CURDIR)/$(BUILD)/readside READSIDE_WEB_DIR=$(CURDIR)/$(BUILD)/web \
	  node_modules/.bin/playwright test e2e/screenshots.spec.ts

bench: build
	bench/run.sh

# The Debian package (cmake/Packaging.cmake; deploy/README.md): the build, then CPack's DEB
# generator in the build tree → $(BUILD)/package/readside_<version>_<arch>.deb.
package: build
	cd $(BUILD) && cpack -G DEB

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc' 'fuzz/*.cc')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
