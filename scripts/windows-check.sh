#!/usr/bin/env bash
# `make windows-check`: the Windows build, checked from this Linux machine
# under Wine in the Debian 13 root (scripts/windows-root.sh), after
# `make windows`:
#   1. lancall.exe --version and serve --help;
#   2. the Rust signaling suite (tests/signal) against `lancall.exe serve`
#      under Wine (LANCALL_TEST_SERVER) instead of its in-process server;
#   3. browser calls through it: two of lancall's own pages, and the seed
#      page (tests/e2e call, seed, call-seed with LANCALL_BIN under Wine);
#   4. the crate's unit tests built for Windows, run by Wine;
#   5. clippy for the Windows target, -D warnings;
#   6. the installer: silent install into a folder with spaces and non-ASCII
#      letters, the uninstall entry and the Start-menu shortcut, the
#      installed lancall.exe --version, silent uninstall.
# Only loopback is used. Wine is for correctness here, never for timings.
#
#   scripts/windows-check.sh [STEP...]   steps: exe signal browser unit clippy installer
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS=("$@")
[[ ${#STEPS[@]} -gt 0 ]] || STEPS=(exe installer signal browser unit clippy)
EXE=target/windows-dist/lancall.exe
ROOT_RUN=(bash scripts/windows-root.sh run)
# The app's test hooks for the unit tests and clippy, as on Linux.
FEATURES=(--features lancall/test-hooks)

step() { printf '\n== windows-check: %s\n' "$*"; }
timed() { local t=$SECONDS; "$@"; echo "windows-check: $1 ${2:-} took $((SECONDS - t)) s"; }

need_exe() { [[ -f $EXE ]] || { echo "windows-check: no $EXE: run make windows first" >&2; exit 1; }; }

check_exe() {
  step "lancall.exe --version and serve --help under Wine"
  local version help
  version=$("${ROOT_RUN[@]}" wine "$EXE" --version | tr -d '\r')
  echo "$version"
  [[ $version == "lancall $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)" ]] ||
    { echo "windows-check: unexpected --version: $version" >&2; return 1; }
  help=$("${ROOT_RUN[@]}" wine "$EXE" serve --help | tr -d '\r')
  grep -q -- '--port' <<<"$help" || { echo "windows-check: serve --help has no --port:" >&2; echo "$help" >&2; return 1; }
  echo "serve --help: $(wc -l <<<"$help") lines"
}

# `lancall.exe serve` under Wine on a free loopback port; sets SERVER_PID
# and SERVER_ADDR.
start_server() {
  SERVER_LOG=$(mktemp)
  # Warnings, and the shutdown's own line, which stop_server looks for: the
  # level is the process's from its start (RUST_LOG reaches it in the root).
  RUST_LOG=warn,lancall::shutdown=info bash scripts/wine-lancall.sh serve --bind 127.0.0.1 --port 0 >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  local waited=0
  until SERVER_ADDR=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$SERVER_LOG" | head -n1 | sed 's/listening on //') && [[ -n $SERVER_ADDR ]]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "windows-check: lancall.exe serve exited:" >&2; cat "$SERVER_LOG" >&2; return 1; }
    ((waited++ < 240)) || { echo "windows-check: no banner from lancall.exe serve in 120 s:" >&2; cat "$SERVER_LOG" >&2; return 1; }
    sleep 0.5
  done
  echo "lancall.exe serve under Wine: $SERVER_ADDR"
}

# Ctrl-C as a console sends it (Wine turns SIGINT into CTRL_C_EVENT): the
# server must stop gracefully on its own.
stop_server() {
  [[ -n ${SERVER_PID:-} ]] || return 0
  kill -INT "$SERVER_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 40); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "windows-check: lancall.exe serve did not stop on Ctrl-C within 20 s" >&2
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    return 1
  fi
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=
  echo "lancall.exe serve stopped on Ctrl-C (exit $rc)"
  grep -q 'shutting down' "$SERVER_LOG" || { echo "windows-check: no graceful shutdown in its log:" >&2; cat "$SERVER_LOG" >&2; return 1; }
}

check_signal() {
  step "tests/signal against lancall.exe serve under Wine"
  start_server
  trap 'kill -KILL "${SERVER_PID:-}" 2>/dev/null || true' EXIT
  # One test at a time: they share the server's rooms (tests/common/server.rs).
  RUST_LOG=warn LANCALL_TEST_SERVER=$SERVER_ADDR \
    nice -n 19 cargo test --test signal "${FEATURES[@]}" -- --test-threads=1
  stop_server
  trap - EXIT
}

check_browser() {
  step "browser calls through lancall.exe serve under Wine (lancall pages, seed page)"
  LANCALL_BIN=$PWD/scripts/wine-lancall.sh LANCALL_SERVE_START_MS=120000 \
    node --test --test-concurrency=1 tests/e2e/call.test.js tests/e2e/seed.test.js tests/e2e/call-seed.test.js
}

check_unit() {
  step "unit tests for x86_64-pc-windows-gnu under Wine"
  "${ROOT_RUN[@]}" bash -c '
    set -euo pipefail
    bash scripts/windows.sh --in-root cargo test --lib '"${FEATURES[*]}"' --no-run
    # The test executable loads WebView2Loader.dll from beside itself, as the app does.
    cp -u "$(bash scripts/windows.sh --in-root loader)" target/windows-dev/x86_64-pc-windows-gnu/debug/deps/
    bash scripts/windows.sh --in-root cargo test --lib '"${FEATURES[*]}"
}

check_clippy() {
  step "clippy for x86_64-pc-windows-gnu, -D warnings"
  "${ROOT_RUN[@]}" bash scripts/windows.sh --in-root cargo clippy --all-targets "${FEATURES[@]}" -- -D warnings
}

check_installer() {
  step "the installer under Wine: silent install, uninstall entry, shortcut, uninstall"
  local setup
  setup=$(ls target/windows-dist/lancall_*_x64-setup.exe | head -n1)
  # Wine has no WebView2: the installer's message about it answers itself
  # in silent mode (/SD IDYES) and the install goes on.
  "${ROOT_RUN[@]}" bash -c '
    set -euo pipefail
    dir="C:\lancall Jürgen 张三"
    unix=$(winepath -u "$dir")
    # Through cmd: NSIS wants /D= unquoted and last, and Wine would quote
    # an argument with spaces.
    wine cmd /c "$(winepath -w "$1") /S /D=$dir"
    test -f "$unix/lancall.exe" && test -f "$unix/WebView2Loader.dll" && test -f "$unix/uninstall.exe"
    echo "installed in $dir: $(ls "$unix" | tr "\n" " ")"
    wine reg query "HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\lancall" | tr -d "\r" | grep -E "DisplayName|UninstallString|InstallLocation"
    lnk=$(winepath -u "$(wine cmd /c echo %APPDATA% | tr -d "\r")")"/Microsoft/Windows/Start Menu/Programs/lancall.lnk"
    test -f "$lnk" && echo "Start-menu shortcut: $lnk"
    wine "$unix/lancall.exe" --version
    wine "$unix/uninstall.exe" /S
    # The uninstaller runs from a copy of itself: wait for it to finish.
    for _ in $(seq 1 60); do [[ -e $unix/lancall.exe ]] || break; sleep 0.5; done
    ! test -e "$unix/lancall.exe" && ! test -e "$lnk"
    ! wine reg query "HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\lancall" >/dev/null 2>&1
    echo "uninstalled: files, shortcut and uninstall entry gone"
  ' bash "$setup"
}

for s in "${STEPS[@]}"; do
  case $s in
    exe) need_exe; timed check_exe ;;
    signal) need_exe; timed check_signal ;;
    browser) need_exe; timed check_browser ;;
    unit) timed check_unit ;;
    clippy) timed check_clippy ;;
    installer) need_exe; timed check_installer ;;
    *) echo "windows-check: unknown step $s" >&2; exit 2 ;;
  esac
done
echo "windows-check: all passed (${STEPS[*]})"
