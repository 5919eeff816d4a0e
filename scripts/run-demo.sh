#!/usr/bin/env bash
# `make run`: starts otelcol-eco on the offline demo configuration and says
# where to look. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=_build/otelcol-eco
config=distribution/config/demo.yaml
prom=${ECOTEL_PROMETHEUS_ENDPOINT:-127.0.0.1:8889}
health=${ECOTEL_HEALTH_ENDPOINT:-127.0.0.1:13133}
cat <<MSG

ecotel demo — otelcol-eco on $config (offline)

  eco status page        http://${ECOTEL_STATUS_ENDPOINT:-127.0.0.1:8890}/
  Prometheus endpoint    http://$prom/metrics
  health check           http://$health/
  collector telemetry    http://127.0.0.1:${ECOTEL_TELEMETRY_PORT:-8888}/metrics
  OTLP in (gRPC / HTTP)  ${ECOTEL_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317} / ${ECOTEL_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}

  Metric names and labels: docs/semantic-conventions.md
  Try: curl -s http://$prom/metrics | grep '^eco_'
  Stop with Ctrl-C.

MSG
exec "$bin" --config "$config"
