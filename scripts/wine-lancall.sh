#!/usr/bin/env bash
# lancall.exe (from `make windows`) under Wine in the Windows build root,
# called like the Linux binary: `make windows-check` gives it to the browser
# tests as LANCALL_BIN. exec'd down to Wine, so SIGTERM reaches it.
here=$(cd "$(dirname "$0")/.." && pwd)
exec bash "$here/scripts/windows-root.sh" run wine target/windows-dist/lancall.exe "$@"
