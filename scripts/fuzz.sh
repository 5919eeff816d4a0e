#!/usr/bin/env bash
# Runs every go test -fuzz target of the given module directories for
# FUZZTIME each (default 10s). Go allows one fuzz target per invocation.
set -euo pipefail
fuzztime=${FUZZTIME:-10s}
status=0
for mod in "${@:-.}"; do
  ( cd "$mod"
    go test -list '^Fuzz' ./... 2>/dev/null | awk '
      /^Fuzz/ { names = names " " $1; next }
      /^ok / && names != "" { print $2 names; names = "" }
      /^ok / { names = "" }' |
    while read -r pkg names; do
      for name in $names; do
        echo "== fuzz $mod $pkg $name ($fuzztime)"
        go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
      done
    done ) || status=1
done
exit $status
