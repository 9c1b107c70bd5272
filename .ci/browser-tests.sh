#!/usr/bin/env bash
# Browser tests of the console and the portal: Chromium and its driver from Debian, Selenium and
# pytest from PyPI, against a real `laurel serve --demo` (started by Tests/browser/conftest.py).
# Screenshots: test-output/screenshots/ (phone 390 px and desktop 1280 px).
#
#   bash .ci/browser-tests.sh                # the built debug binary (built if missing)
#   LAUREL_BINARY=path/to/laurel bash .ci/browser-tests.sh -k portal
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! python3 -c 'import selenium, pytest' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check "selenium==4.27.1" "pytest==8.3.4"
fi

if [ -z "${LAUREL_BINARY:-}" ]; then
    swift build --product laurel >/dev/null
    export LAUREL_BINARY="$(swift build --show-bin-path)/laurel"
fi

python3 -m pytest Tests/browser -q -p no:cacheprovider "$@"
echo "screenshots: $(pwd)/test-output/screenshots"
