#!/usr/bin/env bash
# `make run`: the offline demo. Starts otelcol-eco on
# distribution/config/demo.yaml (ENTSO-E data replayed for four bidding
# zones, the static six-node demo cluster, the sci processor and the eco
# status page) and alumet-sim playing the cluster's Alumet agents against
# its relay server; with PROMETHEUS=1 also a local Prometheus scraping it
# with the autoscaling recording rules loaded. Says where to look, and stops
# everything on Ctrl-C.
#
# Every address can be moved with the environment variables of demo.yaml
# (ECOTEL_STATUS_ENDPOINT, ECOTEL_PROMETHEUS_ENDPOINT, …), and Prometheus'
# with ECOTEL_DEMO_PROMETHEUS_ENDPOINT (default 127.0.0.1:9090).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=_build/otelcol-eco
sim=bin/alumet-sim
config=distribution/config/demo.yaml
status=${ECOTEL_STATUS_ENDPOINT:-127.0.0.1:8890}
exporter=${ECOTEL_PROMETHEUS_ENDPOINT:-127.0.0.1:8889}
health=${ECOTEL_HEALTH_ENDPOINT:-127.0.0.1:13133}
relay=${ECOTEL_RELAY_ENDPOINT:-127.0.0.1:50051}
telemetry=127.0.0.1:${ECOTEL_TELEMETRY_PORT:-8888}
prometheus_endpoint=${ECOTEL_DEMO_PROMETHEUS_ENDPOINT:-127.0.0.1:9090}
with_prometheus=${PROMETHEUS:-0}
export ECOTEL_RELAY_ENDPOINT=$relay

for f in "$bin" "$sim"; do
  [ -x "$f" ] || { echo "run-demo: $f is missing; run it through \`make run\`, which builds it" >&2; exit 1; }
done
if [ "$with_prometheus" = 1 ]; then
  scripts/ensure-deps.sh prometheus:prometheus
fi

# listening HOST:PORT reports whether something accepts connections there.
listening() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

addrs=("$status" "$exporter" "$health" "$relay" "$telemetry" "${ECOTEL_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317}"
  "${ECOTEL_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}" "${ECOTEL_PPROF_ENDPOINT:-127.0.0.1:1777}")
[ "$with_prometheus" = 1 ] && addrs+=("$prometheus_endpoint")
for addr in "${addrs[@]}"; do
  if listening "$addr"; then
    echo "run-demo: $addr is already in use (another demo?). Stop it, or move the demo's addresses" >&2
    echo "  with the ECOTEL_* variables listed in $config (and ECOTEL_DEMO_PROMETHEUS_ENDPOINT)," >&2
    echo "  e.g. ECOTEL_STATUS_ENDPOINT=127.0.0.1:9890 make run" >&2
    exit 1
  fi
done

workdir=$(mktemp -d -t ecotel-demo.XXXXXX)
# Logs stay after the demo for reading; the terminal keeps the overview.
logdir=_build/demo-logs
mkdir -p "$logdir"
pids=()
names=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping the demo…"
  # Last started first: Prometheus, then alumet-sim (it logs the energy it
  # sent per node and pod when it stops), then the collector.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  rm -rf "$workdir"
  echo "Demo stopped."
}
trap 'stop; exit 0' INT TERM
trap stop EXIT
start() { # start NAME COMMAND...: runs COMMAND in the background, logging to $logdir/NAME.log
  local name=$1
  shift
  "$@" >"$logdir/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

start otelcol-eco "$bin" --config "$config"
for _ in $(seq 300); do
  listening "$health" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "run-demo: otelcol-eco exited during startup:" >&2; tail -n 20 "$logdir/otelcol-eco.log" >&2; exit 1; }
  sleep 0.1
done
# alumet-sim retries until the relay server listens, as Alumet's client does.
start alumet-sim "$sim" -inventory distribution/demo/cluster.yaml -interval 1s -containers

prometheus_line=""
prometheus_hint=""
if [ "$with_prometheus" = 1 ]; then
  cat >"$workdir/prometheus.yml" <<YAML
# Written by scripts/run-demo.sh for \`make run PROMETHEUS=1\`.
global:
  scrape_interval: 5s
  evaluation_interval: 15s
rule_files:
  - $PWD/distribution/autoscaling/prometheus-rules.yaml
scrape_configs:
  - job_name: otelcol-eco
    static_configs:
      - targets: ["$exporter", "$telemetry"]
YAML
  start prometheus prometheus \
    --config.file="$workdir/prometheus.yml" \
    --storage.tsdb.path="$workdir/prometheus-data" \
    --web.listen-address="$prometheus_endpoint" \
    --log.level=warn
  prometheus_line="
  Prometheus             http://$prometheus_endpoint/   (scrapes the two endpoints above; autoscaling rules loaded)"
  prometheus_hint="
  In Prometheus (http://$prometheus_endpoint/graph), try:
    sort(eco_node_carbon_per_vcpu_grams_per_hour)             nodes by carbon cost
    topk(5, eco_sci_score_grams{eco_sci_scope=\"pod\"})          pods with the highest SCI
    zone:eco_grid_carbon_intensity_grams_per_kW_h:max          a recording rule of distribution/autoscaling
  Grafana: import distribution/grafana/ecotel.json with this Prometheus as its data source."
fi

logs="otelcol-eco.log, alumet-sim.log"
[ "$with_prometheus" = 1 ] && logs+=", prometheus.log"
cat <<MSG

ecotel demo — otelcol-eco on $config, offline: recorded ENTSO-E data for
FR, DE-LU, SE-3 and SE-4, the six-node cluster of distribution/demo/cluster.yaml
(AWS m5 in Paris, GCP n2 in Frankfurt, racks in Malmö and Stockholm), and
alumet-sim sending each node's and pod's energy as the Alumet agents would.

  Eco status page        http://$status/
  Prometheus endpoint    http://$exporter/metrics   (every ecotel metric)
  Collector telemetry    http://$telemetry/metrics   (otelcol_* own metrics)
  Health check           http://$health/$prometheus_line
  Logs                   $logdir/: $logs

  What to look at:
  - The status page: each zone's carbon intensity, price and generation mix
    (FR runs on nuclear at about 30 g CO2e/kWh, DE-LU on wind, solar, coal and
    gas at about 210), the nodes ranked by grams of CO2e per vCPU-hour (the
    Paris nodes first: the scheduler plugin would prefer them), and the pods
    with the highest SCI with the energy, intensity and embodied carbon behind
    each number. SCI needs one full 60 s window: it appears after about 90 s.
  - The metrics: curl -s http://$exporter/metrics | grep -E '^eco_(sci_score|node_carbon)'
    (names and units: docs/semantic-conventions.md; the SCI method: docs/sci-method.md).
$prometheus_hint
  Stop with Ctrl-C.

MSG

# Runs until Ctrl-C, or until one of the processes exits on its own.
set +e
wait -n "${pids[@]}"
status_code=$?
set -e
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[i]}" 2>/dev/null; then
    echo "run-demo: ${names[i]} exited (status $status_code); stopping the rest. Its log:" >&2
    tail -n 20 "$logdir/${names[i]}.log" >&2
    break
  fi
done
exit 1
