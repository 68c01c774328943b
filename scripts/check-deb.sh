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

# Invite links. The desktop file registers the lancall:// scheme and passes
# the link on (%u); dpkg's trigger (desktop-file-utils) put it in the MIME
# cache. With a home of its own (no mimeapps.list a person made), xdg-mime
# names lancall.desktop and xdg-open, under Xvfb, runs the installed
# lancall with the link as its only argument, which opens its window and
# reads the link. (That the app then joins that room is
# tests/e2e/app-deeplink.test.js, with the same arguments: the installed
# build has no fake camera, and a machine without one stops at the camera's
# notice before joining.)
desktop=/usr/share/applications/lancall.desktop
if ! grep -qx 'MimeType=x-scheme-handler/lancall;' "$desktop" || ! grep -qx 'Exec=lancall %u' "$desktop"; then
  echo "check-deb: $desktop does not hand lancall:// links to lancall:" >&2
  cat "$desktop" >&2
  exit 1
fi
grep -q '^x-scheme-handler/lancall=.*lancall.desktop' /usr/share/applications/mimeinfo.cache || {
  echo "check-deb: lancall.desktop is not in the MIME cache (is desktop-file-utils installed? scripts/install-deps.sh)" >&2
  exit 1
}
home=$(mktemp -d)
xdg_env=(PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share"
  XDG_CACHE_HOME="$home/.cache" XDG_DATA_DIRS=/usr/local/share:/usr/share XDG_CONFIG_DIRS=/etc/xdg
  # No browser to fall back on: only lancall may answer.
  BROWSER=/bin/false
  # No other lancall to hand the link to (the single-instance plugin's bus).
  DBUS_SESSION_BUS_ADDRESS="unix:path=$home/no-bus" LANCALL_MDNS=0 RUST_LOG=info NO_COLOR=1
  WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1)
handler=$(env -i "${xdg_env[@]}" xdg-mime query default x-scheme-handler/lancall)
[ "$handler" = lancall.desktop ] || { echo "check-deb: xdg-mime names '$handler' for lancall:// links, not lancall.desktop" >&2; exit 1; }
echo "check-deb: xdg-mime query default x-scheme-handler/lancall: $handler"

room="deb-link-$$"
link="lancall://join?host=127.0.0.1%3A9&room=$room&name=Deb"
display_fd=$(mktemp)
Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp >"$display_fd" 2>/dev/null &
xvfb=$!
for _ in $(seq 100); do [ -s "$display_fd" ] && break; sleep 0.1; done
display=":$(head -n1 "$display_fd")"
applog=$(mktemp)
# Its own process group, so exactly what xdg-open started is stopped after.
setsid env -i "${xdg_env[@]}" DISPLAY="$display" xdg-open "$link" >"$applog" 2>&1 &
opener=$!
stop_link_check() {
  kill -TERM -- -"$opener" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 -- -"$opener" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- -"$opener" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  wait "$xvfb" 2>/dev/null || true
  rm -rf "$home" "$display_fd" "$applog"
}
app=
for _ in $(seq 300); do
  app=$(pgrep -g "$opener" -x lancall | head -n1 || true)
  [ -n "$app" ] && grep -q 'launched to join' "$applog" && break
  sleep 0.1
done
if [ -z "$app" ] || [ "$(readlink "/proc/$app/exe")" != /usr/bin/lancall ] \
  || [ "$(tr '\0' '\n' <"/proc/$app/cmdline" | sed -n 2p)" != "$link" ] \
  || ! grep -q "room=$room.*launched to join\|launched to join.*room=$room" "$applog"; then
  echo "check-deb: xdg-open '$link' did not start the installed lancall with the link (pid '${app}'):" >&2
  [ -n "$app" ] && tr '\0' ' ' <"/proc/$app/cmdline" >&2 && echo >&2
  cat "$applog" >&2
  stop_link_check
  exit 1
fi
window=
for _ in $(seq 300); do
  window=$(DISPLAY="$display" xdotool search --name '^lancall$' 2>/dev/null | head -n1 || true)
  [ -n "$window" ] && break
  sleep 0.1
done
stop_link_check
[ -n "$window" ] || { echo "check-deb: the lancall started by xdg-open showed no window" >&2; exit 1; }
echo "check-deb: xdg-open $link started /usr/bin/lancall with it (pid $app), which opened its window and read room $room"
