#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium with playwright-core (never a downloaded
# browser). Installs the chromium package when it is missing and this is a root shell with apt-get;
# otherwise says so, and those tests report SKIPPED with the reason.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing: installing Debian's chromium for the console's browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "Chromium is missing and could not be installed: the console's browser tests will be skipped"
exit 0
