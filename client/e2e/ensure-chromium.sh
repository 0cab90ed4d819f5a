#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium (no browser download). Install it when it
# is missing and this user may (root, or sudo without a password); otherwise say, in one
# line, exactly what to run. Quiet when it is already there.
set -euo pipefail

browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0

if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "make: CHROMIUM_PATH=$browser is not an executable browser; fix it or unset it" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "make: the end-to-end tests need Chromium: install it, then run make again with CHROMIUM_PATH=/path/to/chromium" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "make: the end-to-end tests need Chromium: run 'sudo apt-get update && sudo apt-get install -y chromium', then make again" >&2
  exit 1
fi

echo "Installing Debian's chromium package for the end-to-end tests (apt-get, about a minute)..."
# Refresh the package lists only when they do not know chromium yet (a fresh machine).
if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  "${as_root[@]}" apt-get update -qq
fi
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
  >/dev/null 2> >(grep -v '^debconf: delaying' >&2)
[ -x "$browser" ] || { echo "make: apt-get installed chromium but $browser is missing" >&2; exit 1; }
echo "Installed $("$browser" --version 2>/dev/null || echo chromium)"
