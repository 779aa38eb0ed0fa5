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

.PHONY: all deps build run test check bench fuzz clean format screenshots package soak crash-test

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

# READSIDE_REQUIRE_DEPS=1: a test whose outside program (nginx, redis-server, prometheus, tmux,
# …; scripts/deps.txt) is missing fails instead of skipping (tests/integration/deps.py).
test: build
	cd $(BUILD) && READSIDE_REQUIRE_DEPS=1 ctest --output-on-failure -j $(JOBS) --timeout 600

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
	  READSIDE_REQUIRE_DEPS=1 ctest --output-on-failure -j $(JOBS) --timeout 900
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

# The soak test (bench/soak/soak.py): SOAK_MINUTES (default 10) at 70 % of the measured peak
# ingest, with queries, WebSocket clients, report exports and a rebuild; writes
# bench/soak/soak.json and bench/soak/soak.svg and fails on any loss or instability.
SOAK_MINUTES ?= 10
soak: build
	BUILD=$(CURDIR)/$(BUILD) bench/soak/soak.py --minutes $(SOAK_MINUTES)

# The crash test (tests/crash/crash_test.py): CRASH_ROUNDS rounds, each killing the server at a
# named crash point (src/common/crash_point.h) or with kill -9 at a random moment under
# concurrent ingest, queries, dashboard changes, report runs, rebuilds and snapshots, then
# checking the history. CRASH_SEED reproduces a run; the report goes to $(BUILD)/crash-test.json.
# It fails when a point was never reached (a point round not reached is run again, up to 3
# times) or when the SMTP sink is missing (Message-IDs unchecked). `make test` runs a short
# version (ctest -R crash.short).
CRASH_ROUNDS ?= 40
CRASH_SEED ?=
crash-test: build
	python3 tests/crash/crash_test.py --readside $(BUILD)/readside --rounds $(CRASH_ROUNDS) \
	  --require-all-points $(if $(CRASH_SEED),--seed $(CRASH_SEED)) \
	  --report $(BUILD)/crash-test.json

# The Debian package (cmake/Packaging.cmake; deploy/README.md): a Release build in its own
# tree (crash points compiled out: src/common/crash_point.h), then CPack's DEB generator →
# $(RELEASE_BUILD)/package/readside_<version>_<arch>.deb. `make test`'s package test packs the
# test tree instead (tests/integration/test_package.py), to check installing, not the release.
RELEASE_BUILD ?= build-release
$(RELEASE_BUILD)/build.ninja: | deps
	cmake -S . -B $(RELEASE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DREADSIDE_BENCH=OFF \
	  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON $(CMAKE_ARGS)

# Only what the package holds is built (the binary, which depends on the web app's `web`).
package: deps $(RELEASE_BUILD)/build.ninja
	ninja -C $(RELEASE_BUILD) -j $(JOBS) readside
	@# What ships has no crash point in it (tests/crash/compiled_out.py checks the same on a probe).
	@if grep -qa -e 'store.commit.before_write' -e 'READSIDE_REPORT_CRASH_AT' \
	    $(RELEASE_BUILD)/readside; then \
	  echo "make package: $(RELEASE_BUILD)/readside holds crash points" >&2; exit 1; fi
	cd $(RELEASE_BUILD) && cpack -G DEB

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc' 'fuzz/*.cc')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD)
