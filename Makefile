# lancall: the two set-up commands are `make run` and `make test`; each
# installs what is missing first (scripts/install-deps.sh is idempotent).

SHELL := /bin/bash
CARGO ?= cargo
# Flags for `make serve`, e.g. make serve ARGS="--port 9000"
ARGS ?=
# The app's test hooks (mock camera, test source, probes: src-tauri/src/app/
# test_hooks.rs) for every test and benchmark build, one build shared with
# scripts/test.sh; never for run, bundle or a release.
TEST_FEATURES := --features lancall/test-hooks

.PHONY: all deps run serve build types test test-rust test-e2e lint bench soak bench-call bench-media bench-app bundle check-bundle windows windows-check fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(CARGO) build --workspace

# The desktop app (needs a display).
run: deps
	$(CARGO) run --bin lancall

# The signaling server headless, on port 8070 of every interface.
serve: deps
	$(CARGO) run --bin lancall -- serve $(ARGS)

# Rewrite ui/js/types/*.d.ts from the Rust types they mirror (the page's
# side of the signaling protocol and of the native engine's bridge). `make
# test` fails while a committed file differs from what the types say.
types: deps
	LANCALL_WRITE_TYPES=1 $(CARGO) test --lib $(TEST_FEATURES) -- typescript_is_current

# Every test: Rust unit, integration and process tests, clippy, then the
# browser tests against the same debug binary (built once).
test: deps
	bash scripts/test.sh

test-rust: deps
	$(CARGO) test --workspace $(TEST_FEATURES)

test-e2e: deps
	$(CARGO) build --bin lancall $(TEST_FEATURES)
	node --test --test-concurrency=1 tests/e2e/

lint: deps
	$(CARGO) clippy --workspace --all-targets $(TEST_FEATURES) -- -D warnings

# Signaling load: lancall beside peerjs-server in one run.
bench: deps
	bash scripts/bench.sh

# Minutes of churn (joins, relays, exits, abrupt drops) in hundreds of rooms
# against a release server; fails on memory growth, leaked rooms or
# connections, or a lost relay. SOAK_SECONDS (default 600) sets the length.
soak: deps
	bash scripts/soak.sh

bench-call: deps
	$(CARGO) build --bin lancall $(TEST_FEATURES)
	node bench/call-setup.mjs

# A 640x480 30 fps call, the native engine to Chromium beside Chromium to
# Chromium: set-up, CPU per call, video latency (tests/media/bench.rs).
bench-media: deps
	$(CARGO) test --test media $(TEST_FEATURES) -- --ignored --nocapture --exact bench::bench_media

# A 1920x1080 screen of scrolling text shared Chromium -> Chromium (as the
# client asks, and asked for 1080p) beside the native engine -> Chromium:
# fps, latency, bitrate, sender CPU, SSIM of a still frame (bench/screen-share.mjs).
.PHONY: bench-screen
bench-screen: deps
	$(CARGO) build --bin lancall $(TEST_FEATURES)
	node bench/screen-share.mjs

# Installable .deb and .rpm (tauri.conf.json bundle.targets) into
# target/release/bundle/, then their sizes; `make check-bundle` installs the
# .deb (root) and checks that the installed program runs and has no test hook.
bundle: deps
	npx tauri build
	@ls -l target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm

check-bundle: bundle
	bash scripts/check-deb.sh target/release/bundle/deb/lancall_*_amd64.deb

# lancall.exe for Windows (x86_64-pc-windows-gnu), WebView2Loader.dll and a
# per-user installer, in target/windows-dist/, built in a Debian 13 root
# made once per machine (scripts/windows-root.sh; LANCALL_WINDOWS_ROOT moves
# it). A second run with nothing changed takes seconds.
windows: deps
	bash scripts/windows.sh

# The Windows build under Wine: --version, the signaling suite and browser
# calls through lancall.exe serve, the unit tests, and clippy for the target.
windows-check: windows
	bash scripts/windows-check.sh

# App start time, idle memory and .deb size beside a minimal Tauri window's.
bench-app: bundle
	cd bench/minimal-window && npx tauri build
	node bench/app-start.mjs

# Every fuzz target for FUZZ_SECONDS each (nightly and cargo-fuzz are
# installed if missing); `make test` replays the kept corpus on stable.
FUZZ_SECONDS ?= 60
fuzz:
	bash scripts/install-fuzz.sh
	SECONDS_EACH=$(FUZZ_SECONDS) bash scripts/fuzz.sh

clean:
	$(CARGO) clean
