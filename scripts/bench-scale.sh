#!/usr/bin/env bash
# `make bench-scale`: the scale benchmark of BENCHMARKS.md ("Scale: one
# gateway"). For each cluster size in SIZES it runs alumet-sim's Alumet
# agents, the entsoe replay and the hardwarecatalog static inventory
# through one otelcol-eco gateway once per pipeline, one after the other —
# passthrough (receivers → memory_limiter → batch → prometheus), and the
# same with the sci processor: sci-pods-none (inputs re-exposed as by the
# pass-through, SCI per node/deployment/namespace: the processor's own
# overhead) and sci-pods-score-drop (per-pod SCI score, inputs dropped: the
# large-cluster settings of docs/scaling.md); "sci" alone is the default
# output (10 series per pod; too big for one gateway at 5,000 nodes) — and
# writes results.md / results.json per size under OUT, plus OUT/summary.md. About 8 minutes per size and
# round at the defaults; not part of `make test` (its 50-node smoke version,
# test/scale TestE2EBenchScaleSmoke, is).
#
#   SIZES="500 1000 5000" ROUNDS=2 make bench-scale
#
# Environment (defaults):
#   SIZES          node counts, space separated            (5000)
#   PODS_PER_NODE  pods per node                           (30)
#   ROUNDS         runs of each pipeline, order alternating (1)
#   WARMUP         time before measuring                   (100s)
#   MEASURE        measurement span                        (120s)
#   SCI_PODS       sci output.pods: full, score or none    (full)
#   DROP_INPUTS    sci drop_inputs                         (false)
#   PIPELINES      pipelines, in the first round's order   (passthrough,sci-pods-none,sci-pods-score-drop)
#   GOMEMLIMIT_COLLECTOR  GOMEMLIMIT of the collector      (unset)
#   OUT            results directory                       (_build/bench-scale)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-5000}
OUT=${OUT:-_build/bench-scale}
mkdir -p "$OUT"
go build -o _build/bench-scale-driver ./test/scale
summary="$OUT/summary.md"
{
  echo "# bench-scale $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
} > "$summary"
for n in $SIZES; do
  dir="$OUT/$n"
  _build/bench-scale-driver -nodes "$n" -pods-per-node "${PODS_PER_NODE:-30}" -rounds "${ROUNDS:-1}" \
    -warmup "${WARMUP:-100s}" -measure "${MEASURE:-120s}" -sci-pods "${SCI_PODS:-full}" \
    -sci-drop-inputs="${DROP_INPUTS:-false}" -gomemlimit "${GOMEMLIMIT_COLLECTOR:-}" \
    -pipelines "${PIPELINES:-passthrough,sci-pods-none,sci-pods-score-drop}" -out "$dir" "$@"
  # Keep the results, not the 150,000-pod inventory.
  rm -f "$dir/inventory.yaml"
  tail -n +3 "$dir/results.md" >> "$summary"
  echo >> "$summary"
done
echo "results: $summary"
