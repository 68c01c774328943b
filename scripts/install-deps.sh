#!/usr/bin/env bash
# Installs everything lancall needs to build, run and test on Debian 12.
# Idempotent: each step checks first and does nothing when already satisfied,
# so `make run` and `make test` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Tauri's WebKitGTK build deps, a virtual display for the
# app tests, Debian's Chromium for the browser tests, and tools the tests use.
APT_PACKAGES=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  libssl-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth chromium
  iproute2 procps imagemagick x11-utils
  # Real clicks in the app's window under Xvfb (tests/e2e/app-waiting-room.test.js).
  xdotool
  # xsetroot paints the Xvfb screen the app shares (tests/e2e/app-screen.test.js).
  x11-xserver-utils
  # The private Wayland desktop whose ScreenCast portal the app shares
  # through (tests/e2e/app-screen-portal.test.js, support/desktop.js): a
  # session bus, headless sway drawing its background with swaybg,
  # PipeWire and its session manager, the portal and its wlroots backend.
  # The app itself only needs the portal of the person's own desktop.
  dbus-daemon dbus-bin sway swaybg pipewire wireplumber
  xdg-desktop-portal xdg-desktop-portal-wlr
  # The tray test's own session bus and panel (tests/e2e/app-tray.test.js):
  # dbus-daemon (above), gdbus to read and click the icon's menu, and
  # Debian's python3 with dbus and GLib for the StatusNotifierWatcher it
  # serves; xclip reads the clipboard the tray's Copy fills.
  libglib2.0-bin python3-dbus python3-gi xclip
  # A notification server on the test's own bus, to receive the app's
  # desktop notifications (tests/e2e/app-desktop.test.js).
  gir1.2-glib-2.0
  fonts-wqy-microhei
  # Colour emoji for the reactions (ui/js/reactions.js): what the app's .deb
  # recommends, so a screenshot here shows what a person sees.
  fonts-noto-color-emoji
  # The native WebRTC engine (src-tauri/src/media/, for WebKitGTK which has
  # no RTCPeerConnection): GStreamer's headers to build, and at run time
  # webrtcbin and webrtcdsp (-bad), nicesrc/nicesink (-nice), vp8 and
  # v4l2/pulse (-good), opus and the test sources (-base), PipeWire and ALSA
  # capture; gst-inspect-1.0 to check what is there.
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-nice gstreamer1.0-pulseaudio gstreamer1.0-alsa gstreamer1.0-pipewire
  gstreamer1.0-tools
  # A TURN server (turnserver), in a network namespace of the test's own,
  # for the tests of calls that go through relay candidates only
  # (tests/media/turn.rs).
  coturn
  # The interop tests' independent WebRTC peer (aiortc, from PyPI) runs in
  # a venv of Debian's python3.
  python3-venv
  # lancall:// invite links (tests/e2e/app-deeplink.test.js, scripts/check-deb.sh):
  # a private D-Bus session where two starts of the app find each other
  # (tauri-plugin-single-instance), xdg-mime and xdg-open, and
  # update-desktop-database, whose dpkg trigger puts the .deb's scheme in
  # the MIME cache.
  dbus-daemon xdg-utils desktop-file-utils
  # The Debian 13 root that builds and runs the Windows target
  # (scripts/windows-root.sh; made once per machine, outside the checkout).
  debootstrap
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt packages missing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node packages for the browser tests and the Tauri CLI, pinned by the lock file.
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
fi

# aiortc for the interop tests (tests/interop/requirements.txt, every version
# pinned), in a venv under target/ (git-ignored, gone with `cargo clean`).
# Made again only when the requirements changed since it was made.
VENV=target/interop-venv
if ! cmp -s tests/interop/requirements.txt "$VENV/requirements.txt" 2>/dev/null; then
  echo "install-deps: aiortc venv in $VENV"
  rm -rf "$VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: -r tests/interop/requirements.txt
  cp tests/interop/requirements.txt "$VENV/requirements.txt"
fi
