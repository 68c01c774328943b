#!/usr/bin/env bash
# Install a lancall .deb as a person would (dpkg -i), check that the
# installed program runs, then remove it again. Root only (dpkg); elsewhere
# it says why it skipped. First, as anyone: the packaged program has none of
# the app's test hooks (src-tauri/src/app/test_hooks.rs), which only builds
# with the `test-hooks` feature have; TESTED, a binary of such a build, must
# have every one of them, so this check can fail.
#   scripts/check-deb.sh path/to/lancall_*.deb [TESTED]
set -euo pipefail
deb=${1:?usage: scripts/check-deb.sh LANCALL.deb [TESTED]}
tested=${2:-}

hooks=(LANCALL_MOCK_CAPTURE LANCALL_TEST_SOURCE LANCALL_MEDIA_PROBE LANCALL_STATE_PROBE)
packaged=$(mktemp)
dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*usr/bin/lancall' >"$packaged"
for hook in "${hooks[@]}"; do
  n=$(grep -ac "$hook" "$packaged" || true)
  if [ "$n" != 0 ]; then
    echo "check-deb: the packaged lancall has the test hook $hook ($n lines): built with --features test-hooks?" >&2
    rm -f "$packaged"
    exit 1
  fi
  if [ -n "$tested" ] && ! grep -aq "$hook" "$tested"; then
    echo "check-deb: the tested binary $tested lacks $hook: the hook check would prove nothing" >&2
    rm -f "$packaged"
    exit 1
  fi
done
rm -f "$packaged"
echo "check-deb: none of ${hooks[*]} in the packaged lancall${tested:+ (the tested one has all)}"

if [ "$(id -u)" -ne 0 ]; then
  echo "check-deb: skipped: dpkg -i needs root" >&2
  exit 0
fi
if dpkg-query -W -f='${Status}' lancall 2>/dev/null | grep -q 'install ok installed'; then
  echo "check-deb: lancall is already installed here; refusing to replace it" >&2
  exit 1
fi

cleanup() { dpkg -r lancall >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "check-deb: dpkg -i $deb"
dpkg -i "$deb"
dpkg -L lancall | grep -qx /usr/bin/lancall
dpkg -L lancall | grep -qx /usr/share/applications/lancall.desktop
desktop-file-validate /usr/share/applications/lancall.desktop 2>/dev/null || grep -q '^Exec=lancall' /usr/share/applications/lancall.desktop

version=$(/usr/bin/lancall --version)
echo "check-deb: $version"
[ "$version" = "lancall $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)" ]
/usr/bin/lancall serve --help | grep -q -- '--max-room-size'

# The installed server serves its embedded page and health from any folder.
log=$(mktemp)
(cd / && exec /usr/bin/lancall serve --bind 127.0.0.1 --port 0) >"$log" 2>&1 &
pid=$!
port=
for _ in $(seq 100); do
  port=$(grep -o 'ws://127.0.0.1:[0-9]*' "$log" | head -n1 | cut -d: -f3 || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$log"; kill "$pid"; exit 1; }
curl -fsS "http://127.0.0.1:$port/healthz" | grep -q '"peers":0'
curl -fsS "http://127.0.0.1:$port/" | grep -q '<html'
kill -TERM "$pid"
wait "$pid"
rm -f "$log"
echo "check-deb: installed lancall runs (--version, serve --help, serve on port $port)"
