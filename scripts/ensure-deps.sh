#!/usr/bin/env bash
# Makes sure the system programs the tests need are installed. Each argument
# is COMMAND[:DEBIAN_PACKAGE]. Missing ones are installed with apt-get when we
# are root on a Debian-like system; otherwise we say exactly what is missing.
set -euo pipefail
missing=()
for spec in "$@"; do
  cmd=${spec%%:*}
  pkg=${spec#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-deps: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "ensure-deps: missing Debian packages: ${missing[*]}" >&2
echo "  install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
exit 1
