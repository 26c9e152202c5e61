#!/usr/bin/env bash
# Installs the Debian packages eddy builds, tests and runs with. As root it
# runs apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

# libclang-rt-14-dev: the libFuzzer and sanitizer runtimes of the fuzz build
# (clang alone, without recommends, cannot link -fsanitize=fuzzer).
# libcsv-dev: RFC 4180 CSV parsing in eddy-ingest. libjs-chart.js: the charts
# of the sink's status page. chromium: the page test (headless screenshot).
PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format clang bc
  libclang-rt-14-dev
  librdkafka-dev libavro-dev libcmocka-dev libmicrohttpd-dev libjansson-dev
  libcurl4-openssl-dev libcsv-dev libjs-chart.js
  kcat prometheus curl python3 valgrind chromium
  default-jre-headless maven
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Java and Maven may come from elsewhere (SDKs): accept them when on PATH.
if command -v java >/dev/null && command -v mvn >/dev/null; then
  tmp=()
  for p in "${missing[@]}"; do
    [[ $p == default-jre-headless || $p == maven ]] || tmp+=("$p")
  done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "eddy: missing packages: ${missing[*]}" >&2
  echo "eddy: install them with:  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "eddy: installing ${missing[*]}" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
