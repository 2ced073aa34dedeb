#!/usr/bin/env bash
# Makes sure a Chromium is there for the dashboard's browser test (test/e2e/local-dashboard.test.ts), which drives it
# with playwright-core and installs nothing itself. Looks where the test looks ($CHROMIUM_PATH, then chromium,
# chromium-browser, google-chrome-stable, google-chrome on PATH); when none is found and this runs as root with apt-get,
# installs Debian's `chromium` package (about 100 MB download). Otherwise it says why the browser test will skip.
# Always exits 0: a machine without a browser still runs every other test.
set -uo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ -x "$CHROMIUM_PATH" ]; then echo "chromium: $CHROMIUM_PATH (CHROMIUM_PATH)"; exit 0; fi
  echo "chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file: the dashboard browser test will skip"
  exit 0
fi
for name in chromium chromium-browser google-chrome-stable google-chrome; do
  if path=$(command -v "$name"); then echo "chromium: $path"; exit 0; fi
done

if [ "$(id -u)" -ne 0 ]; then
  echo "chromium: none found, and not root: the dashboard browser test will skip."
  echo "  install it with: sudo apt-get install chromium   (or set CHROMIUM_PATH to a Chromium or Chrome binary)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "chromium: none found, and no apt-get on this machine: the dashboard browser test will skip."
  echo "  install Chromium or Chrome with this system's package manager, or set CHROMIUM_PATH"
  exit 0
fi
echo "chromium: none found; installing Debian's chromium package: apt-get update && apt-get install -y --no-install-recommends chromium"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
  echo "chromium: installed $(command -v chromium)"
else
  echo "chromium: apt-get could not install chromium (see above): the dashboard browser test will skip"
fi
exit 0
