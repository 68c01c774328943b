#!/usr/bin/env bash
# `make windows`: lancall.exe for x86_64-pc-windows-gnu, WebView2Loader.dll
# beside it, and a per-user installer (installer/windows/lancall.nsi), all
# built in the Debian 13 root of scripts/windows-root.sh. Idempotent: cargo
# is incremental and makensis runs only when its inputs changed.
#
#   scripts/windows.sh                 build the app and the installer
#   scripts/windows.sh --in-root CMD   (inside the root) one of the steps below
#
# Output in target/windows-dist/: lancall.exe, WebView2Loader.dll and
# lancall_<version>_x64-setup.exe.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-pc-windows-gnu
# Its own target folder: the Linux build's rustc is another version, and the
# two builds may run at once.
TARGET_DIR=target/windows
# Outside the target folders, which scripts/windows-root.sh keeps per machine.
DIST=target/windows-dist
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
INSTALLER=$DIST/lancall_${VERSION}_x64-setup.exe

# What every cargo command for Windows needs inside the root: Debian's
# rustc-web builds std from rust-web-src (-Zbuild-std, unstable, hence
# RUSTC_BOOTSTRAP) and mingw-w64 links.
cargo_windows() {
  local sub=$1; shift
  local std=std,panic_abort dir=$TARGET_DIR
  # Tests need the test crate and unwinding.
  [[ $sub == test ]] && std=std,panic_unwind,test
  # The checks (clippy, the unit tests) in a folder of their own: they build
  # in the dev profile and then don't wait on the release build's lock.
  [[ $sub != build ]] && dir=$TARGET_DIR-dev
  RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR=$dir \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine \
    nice -n 19 ionice -c3 cargo "$sub" -Zbuild-std="$std" --target "$TARGET" "$@"
}

# The loader DLL that the GNU target's executable loads at run time, from
# the webview2-com-sys crate's own sources (the version Cargo.lock names).
webview2_loader() {
  local version dll
  version=$(awk '/^name = "webview2-com-sys"/{getline; gsub(/[^0-9.]/,""); print}' Cargo.lock | head -n1)
  dll=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"webview2-com-sys-$version"/x64/WebView2Loader.dll 2>/dev/null | head -n1)
  [[ -n $dll ]] || { echo "windows.sh: WebView2Loader.dll of webview2-com-sys $version not found (cargo fetch first)" >&2; exit 1; }
  printf '%s\n' "$dll"
}

in_root_build() {
  local start=$SECONDS
  # tauri/custom-protocol: the production build, which serves the pages
  # embedded from ui/ (what `tauri build` turns on), not a dev server.
  cargo_windows build --release --bin lancall --features tauri/custom-protocol
  echo "windows.sh: cargo build took $((SECONDS - start)) s"
  mkdir -p "$DIST"
  cp -u "$TARGET_DIR/$TARGET/release/lancall.exe" "$DIST/lancall.exe"
  cp -u "$(webview2_loader)" "$DIST/WebView2Loader.dll"
  installer
}

# makensis only when the executable, the DLL or the script changed.
installer() {
  local nsi=installer/windows/lancall.nsi stamp=$DIST/.installer-inputs sum
  sum=$(cat "$DIST/lancall.exe" "$DIST/WebView2Loader.dll" "$nsi" src-tauri/icons/icon.ico | sha256sum | cut -c1-64)
  if [[ -f $INSTALLER && -f $stamp && $(cat "$stamp") == "$sum" ]]; then
    echo "windows.sh: installer up to date"
    return
  fi
  nice -n 19 makensis -V2 -INPUTCHARSET UTF8 \
    -DVERSION="$VERSION" -DDIST="$PWD/$DIST" -DICON="$PWD/src-tauri/icons/icon.ico" \
    -DOUTFILE="$PWD/$INSTALLER" "$nsi"
  printf '%s\n' "$sum" >"$stamp"
}

if [[ ${1:-} == --in-root ]]; then
  shift
  case $1 in
    build) in_root_build ;;
    cargo) shift; cargo_windows "$@" ;;
    loader) webview2_loader ;;
    *) echo "windows.sh: unknown step $1" >&2; exit 2 ;;
  esac
  exit
fi

start=$SECONDS
bash scripts/windows-root.sh
bash scripts/windows-root.sh run bash scripts/windows.sh --in-root build
echo
for f in "$DIST/lancall.exe" "$DIST/WebView2Loader.dll" "$INSTALLER"; do
  printf '%-48s %s\n' "$f" "$(du -h "$f" | cut -f1)"
done
echo "windows.sh: done in $((SECONDS - start)) s"
