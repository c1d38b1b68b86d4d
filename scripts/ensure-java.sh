#!/usr/bin/env bash
# DynamoDB Local (the store tests' second backend) needs Java 17+. Installs Debian's JRE when Java is
# missing and this is a root shell with apt-get; otherwise says so, and those tests report SKIPPED.
set -uo pipefail
if java -version >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Java is missing: installing default-jre-headless for the DynamoDB Local tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null && exit 0
fi
echo "Java is missing and could not be installed: the DynamoDB Local copies of the store tests will be skipped"
exit 0
