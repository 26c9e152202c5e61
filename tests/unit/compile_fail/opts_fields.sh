#!/usr/bin/env bash
# An option row bound to a misspelt field, or to a field of the wrong C type,
# must not compile (the control build must). Usage: opts_fields.sh CC SOURCE_DIR
set -uo pipefail
cc=$1 root=$2
src=$root/tests/unit/compile_fail/opts_fields.c
build() { "$cc" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$root/lib" "$@" "$src" 2>&1; }
out=$(build) || { echo "FAIL: the control row does not compile:"; echo "$out"; exit 1; }
for what in MISSPELT WRONG_TYPE; do
  if out=$(build -D$what); then
    echo "FAIL: a row with $what field compiles"
    exit 1
  fi
  echo "ok: $what does not compile: $(grep -m1 -o 'error: .*' <<<"$out")"
done
