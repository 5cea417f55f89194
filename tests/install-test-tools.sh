#!/usr/bin/env bash
# The tools some tests drive: headless Chromium and ChromeDriver (Debian packages) and axe-core (npm, into
# .cache/axe) for tests/test_browser.py; nginx (Debian's nginx-light) for tests/test_deploy.py; Virtuoso 7 (Debian's
# virtuoso-opensource-7-bin, the server and isql-vt only: no service is started) for the store tests. Each is
# installed only when missing. Where one cannot be installed (not root, no apt-get or npm) this says so and its
# test skips with that reason, unless REQUIRE_BROWSER_TESTS=1, REQUIRE_NGINX=1 or REQUIRE_VIRTUOSO=1.
set -uo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.14.1

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null; } \
      || echo "install-test-tools: apt-get could not install chromium and chromium-driver" >&2
  else
    echo "install-test-tools: chromium and chromium-driver are missing (install them as root with apt-get)" >&2
  fi
fi

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends nginx-light >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends nginx-light >/dev/null; } \
      || echo "install-test-tools: apt-get could not install nginx-light" >&2
    # the package may start a daemon on port 80: the test runs its own
    { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } && { nginx -s stop >/dev/null 2>&1 || true; }
  else
    echo "install-test-tools: nginx is missing (install nginx-light as root with apt-get)" >&2
  fi
fi

if ! command -v virtuoso-t >/dev/null || ! command -v isql-vt >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends virtuoso-opensource-7-bin >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends virtuoso-opensource-7-bin >/dev/null; } \
      || echo "install-test-tools: apt-get could not install virtuoso-opensource-7-bin" >&2
  else
    echo "install-test-tools: Virtuoso is missing (install virtuoso-opensource-7-bin as root with apt-get)" >&2
  fi
fi

if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null; then
    mkdir -p .cache/axe
    npm install --prefix .cache/axe --no-save --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null \
      || echo "install-test-tools: npm could not install axe-core@$AXE_VERSION" >&2
  else
    echo "install-test-tools: npm is missing, so axe-core is not installed" >&2
  fi
fi
exit 0
