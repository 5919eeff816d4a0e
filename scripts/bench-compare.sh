#!/usr/bin/env bash
# bench-compare.sh BASE PKG [BENCH_REGEXP]
#
# Compares the benchmarks of one package at git revision BASE against the
# working tree, with benchstat. Both test binaries are compiled first and then
# run alternately COUNT times (default 6), so that a noisy machine (load from
# other jobs, thermal drift) hits both sides alike instead of whichever ran
# second. Output: _build/bench-compare/{old,new}.txt and the benchstat table.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
	echo "usage: $0 BASE PKG [BENCH_REGEXP]   e.g. $0 HEAD~3 ./processor/sciprocessor 'Ingest|Evaluate'" >&2
	exit 2
fi
base=$1 pkg=$2 bench=${3:-.}
count=${COUNT:-6}
benchtime=${BENCHTIME:-1s}
out=_build/bench-compare
root=$PWD
mkdir -p "$out"

# The base revision in a temporary worktree, removed on exit.
wt=$(mktemp -d)
trap 'git worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"' EXIT
git worktree add --detach "$wt" "$base" >/dev/null

(cd "$wt" && go test -c -o "$root/$out/old.test" "$pkg")
go test -c -o "$out/new.test" "$pkg"

: >"$out/old.txt"
: >"$out/new.txt"
# Benchmarks run in their package directory, as go test would run them.
dir=${pkg#./}
for i in $(seq "$count"); do
	echo "round $i/$count" >&2
	(cd "$wt/$dir" && "$root/$out/old.test" -test.run '^$' -test.bench "$bench" -test.benchmem -test.benchtime "$benchtime" -test.count 1) >>"$out/old.txt"
	(cd "$dir" && "$root/$out/new.test" -test.run '^$' -test.bench "$bench" -test.benchmem -test.benchtime "$benchtime" -test.count 1) >>"$out/new.txt"
done

for f in "$out/old.txt" "$out/new.txt"; do
	if ! grep -q '^Benchmark' "$f"; then
		echo "no benchmark matched ${bench} in $f (the pattern is matched against names such as BenchmarkIngest)" >&2
		exit 1
	fi
done

make -s benchstat >/dev/null
bin/benchstat "$out/old.txt" "$out/new.txt"
