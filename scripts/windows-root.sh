#!/usr/bin/env bash
# The Debian 13 build root for the Windows target, made once per machine and
# reused by every clone on it: rustup can't fetch other targets here and
# Debian 12 ships no Windows std for a current rustc, while Debian 13's
# rustc-web/cargo-web with rust-web-src build std for x86_64-pc-windows-gnu
# (-Zbuild-std), mingw-w64 links it, Wine runs it and makensis packs it.
#
#   scripts/windows-root.sh              make the root if missing (idempotent)
#   scripts/windows-root.sh run CMD...   run CMD in the root, with the checkout
#                                        at /build/lancall and the cargo
#                                        registry under /build/cargo
#
# LANCALL_WINDOWS_ROOT moves the root (default below), and
# LANCALL_WINDOWS_TARGETS the cargo target folders kept beside it (the
# checkout's target/windows and target/windows-dev in the root). Needs root
# (chroot, mounts), as install-deps.sh does for apt.
set -euo pipefail

ROOT=${LANCALL_WINDOWS_ROOT:-/var/cache/lancall/debian13-root}
SUITE=trixie
# The ready-stamp names this list, so a root made with an older list gets
# the new packages on its next use.
PACKAGES=(rustc-web cargo-web rust-web-src rust-web-clippy gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64
  nsis wine wine64 ca-certificates procps curl)
STAMP="$ROOT/.lancall-ready-$(printf '%s\n' "${PACKAGES[@]}" | md5sum | cut -c1-12)"
CHECKOUT=$(cd "$(dirname "$0")/.." && pwd)
SELF=$CHECKOUT/scripts/windows-root.sh
CARGO_HOME_HOST=${CARGO_HOME:-$HOME/.cargo}
# The Windows build's target folders (release, dev), kept with the root.
TARGETS=${LANCALL_WINDOWS_TARGETS:-$(dirname "$ROOT")/windows-target}

say() { printf 'windows-root: %s\n' "$*" >&2; }

# The Debian mirror apt already uses (a proxy or a local mirror on some
# machines), never one written in here.
mirror() {
  local uri
  uri=$(apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' 'Label: Debian' 2>/dev/null | head -n1)
  if [[ -z $uri ]]; then
    uri=$(grep -rhoE '^(deb |URIs:) *(\[[^]]*\] *)?[a-z]+://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
      grep -oE '[a-z]+://[^ ]+' | grep -v security | head -n1)
  fi
  [[ -n $uri ]] || { say "no Debian mirror found in apt's sources"; exit 1; }
  printf '%s\n' "${uri%/}"
}

# The host's CA bundle, so cargo in the root reaches its registry through
# whatever the host trusts (a proxy's own CA included). cargo's libcurl
# ignores SSL_CERT_FILE, hence CARGO_HTTP_CAINFO beside it below.
ca_bundle() {
  local f=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
  [[ -f $f ]] && { mkdir -p "$ROOT/etc/ssl/certs"; cp -f "$f" "$ROOT/etc/ssl/certs/lancall-host-ca.crt"; }
}

# Mounts are made in a private mount namespace (unshare -m), so they vanish
# with the command however it ends, and two commands in the root at once
# (a server under Wine and the tests) don't unmount each other's.
mount_bind() { # src dst
  mkdir -p "$2"
  mount --bind "$1" "$2"
}
mount_system() {
  mount_bind /proc "$ROOT/proc"
  mount_bind /dev "$ROOT/dev"
  mount_bind /dev/pts "$ROOT/dev/pts"
  mount_bind /sys "$ROOT/sys"
  cp -f /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
}
isolated() { unshare -m --propagation private bash "$SELF" "$@"; }

in_root() {
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    SSL_CERT_FILE=/etc/ssl/certs/lancall-host-ca.crt "$@"
}

make_root() {
  [[ -f $STAMP ]] && return 0
  command -v debootstrap >/dev/null || { say "installing debootstrap"; apt-get install -y -qq debootstrap >/dev/null; }
  local m; m=$(mirror)
  local start=$SECONDS
  if [[ ! -x $ROOT/usr/bin/apt-get || ! -f $ROOT/.lancall-debootstrap-done ]]; then
    say "debootstrap $SUITE into $ROOT from $m (once per machine, several minutes)"
    mkdir -p "$ROOT"
    nice -n 19 ionice -c3 debootstrap --variant=minbase "$SUITE" "$ROOT" "$m"
    touch "$ROOT/.lancall-debootstrap-done"
  fi
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$m" "$SUITE" >"$ROOT/etc/apt/sources.list.d/debian.sources"
  rm -f "$ROOT/etc/apt/sources.list"
  ca_bundle
  say "installing ${PACKAGES[*]} in the root"
  isolated __install
  rm -f "$ROOT"/.lancall-ready-*
  touch "$STAMP"
  say "root ready in $((SECONDS - start)) s"
}

install_in_root() {
  mount_system
  in_root apt-get update -qq
  in_root nice -n 19 apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}

run_in_root() {
  make_root
  ca_bundle
  mkdir -p "$CARGO_HOME_HOST"
  # exec all the way down, so whoever started this can signal the command
  # itself (the browser tests stop a server under Wine with SIGTERM).
  exec unshare -m --propagation private bash "$SELF" __run "$@"
}

# Inside the private mount namespace.
run_isolated() {
  mount_system
  mount_bind /tmp "$ROOT/tmp"
  mount_bind "$CHECKOUT" "$ROOT/build/lancall"
  # The Windows target folders are per machine too, bound over the
  # checkout's: every clone builds at /build/lancall in here, so a fresh
  # clone (CI's) finds them warm instead of spending most of an hour.
  mkdir -p "$TARGETS/release" "$TARGETS/dev"
  mount_bind "$TARGETS/release" "$ROOT/build/lancall/target/windows"
  mount_bind "$TARGETS/dev" "$ROOT/build/lancall/target/windows-dev"
  # Only the host's downloaded crates (one download for both builds), not
  # its bin/: cargo runs subcommands from CARGO_HOME/bin before PATH, and
  # there the host's rustup proxies would answer for the root's clippy.
  mkdir -p "$CARGO_HOME_HOST/registry" "$CARGO_HOME_HOST/git"
  mount_bind "$CARGO_HOME_HOST/registry" "$ROOT/build/cargo/registry"
  mount_bind "$CARGO_HOME_HOST/git" "$ROOT/build/cargo/git"
  exec chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME=/root LANG=C.UTF-8 TERM=dumb \
    SSL_CERT_FILE=/etc/ssl/certs/lancall-host-ca.crt CARGO_HTTP_CAINFO=/etc/ssl/certs/lancall-host-ca.crt \
    CARGO_HOME=/build/cargo WINEDEBUG=-all WINEPREFIX=/root/.wine-lancall \
    ${RUST_LOG:+"RUST_LOG=$RUST_LOG"} \
    bash -c 'cd /build/lancall && exec "$@"' bash "$@"
}

case ${1:-} in
  "") make_root ;;
  run) shift; run_in_root "$@" ;;
  __install) install_in_root ;;
  __run) shift; run_isolated "$@" ;;
  path) printf '%s\n' "$ROOT" ;;
  *) say "usage: $0 [run CMD... | path]"; exit 2 ;;
esac
