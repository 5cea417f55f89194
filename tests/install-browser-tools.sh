#!/usr/bin/env bash
# The browser test's tools: headless Chromium and ChromeDriver (Debian packages) and axe-core (npm, into
# .cache/axe). Each is installed only when missing. Where one cannot be installed (not root, no apt-get or
# npm) this says so and tests/test_browser.py skips with that reason, unless REQUIRE_BROWSER_TESTS=1.
set -uo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.14.1

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null; } \
      || echo "install-browser-tools: apt-get could not install chromium and chromium-driver" >&2
  else
    echo "install-browser-tools: chromium and chromium-driver are missing (install them as root with apt-get)" >&2
  fi
fi

if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null; then
    mkdir -p .cache/axe
    npm install --prefix .cache/axe --no-save --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null \
      || echo "install-browser-tools: npm could not install axe-core@$AXE_VERSION" >&2
  else
    echo "install-browser-tools: npm is missing, so axe-core is not installed" >&2
  fi
fi
exit 0
