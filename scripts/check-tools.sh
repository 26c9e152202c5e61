#!/usr/bin/env bash
# Checks, before the long run of scripts/test.sh, that every tool it will
# call is present, and names the Debian package of each one that is not
# (all of them at once, then exits 1). Also links a one-line libFuzzer
# program with clang, since -fsanitize=fuzzer needs clang's runtime
# (libclang-rt-<version>-dev), which clang alone does not pull in.
#
#   scripts/check-tools.sh        # exit 0 when everything is there
set -uo pipefail

# command:package (the Debian package that provides the command)
TOOLS=(
  cmake:cmake ninja:ninja-build pkg-config:pkg-config cc:build-essential
  clang:clang clang-format:clang-format python3:python3 curl:curl bc:bc
  kcat:kcat promtool:prometheus prometheus:prometheus
  java:default-jre-headless mvn:maven chromium:chromium valgrind:valgrind
  go:golang-go flock:util-linux sha256sum:coreutils timeout:coreutils
)

missing=()
for entry in "${TOOLS[@]}"; do
  cmd=${entry%%:*} pkg=${entry#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd (Debian package $pkg)")
done

# The fuzz build: clang must link -fsanitize=fuzzer.
if command -v clang >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$tmp/f.c"
  if ! clang -fsanitize=fuzzer "$tmp/f.c" -o "$tmp/f" >"$tmp/log" 2>&1; then
    v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
    missing+=("clang's libFuzzer runtime (Debian package libclang-rt-${v:-<version>}-dev): $(head -n 1 "$tmp/log")")
  fi
  rm -rf "$tmp"
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "eddy: scripts/test.sh needs tools that are missing:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  echo "eddy: scripts/install-deps.sh installs the Debian ones (as root); go: golang-go or https://go.dev/dl" >&2
  exit 1
fi
echo "== every tool scripts/test.sh calls is present"
