{{/*
The gateway's collector configuration (distribution/config/gateway.yaml, with
the chart's ports, Secret and ConfigMap paths): OTLP from the agents, ENTSO-E,
hardware catalog → sci → Prometheus exporter and Node annotations, status page.
Each component's `config` value is merged over its generated settings, and
gateway.config over the whole.
*/}}
{{- define "ecotel.gateway.config" -}}
{{- $g := .Values.gateway -}}
{{- $cfg := fromYaml (printf `
extensions:
  health_check:
    endpoint: %s
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
        max_recv_msg_size_mib: %v
      http:
        endpoint: %s
processors:
  memory_limiter:
%s
  batch:
    timeout: 1s
    send_batch_size: 8192
exporters:
  prometheus:
    endpoint: %s
    # Names as in docs/semantic-conventions.md; node, pod and zone identity
    # travel as resource attributes and become labels.
    translation_strategy: UnderscoreEscapingWithSuffixes
    resource_constant_labels:
      included: ["k8s.*", "eco.*", "container.id", "cloud.*", "host.type"]
    metric_expiration: 5m
service:
  telemetry:
%s
` (include "ecotel.listen" (dict "ctx" . "port" $g.healthPort) | quote) (include "ecotel.listen" (dict "ctx" . "port" $g.otlp.grpcPort) | quote) $g.otlp.maxRecvMsgSizeMiB (include "ecotel.listen" (dict "ctx" . "port" $g.otlp.httpPort) | quote) (include "ecotel.memoryLimiter" $g.memoryLimiter | indent 4) (include "ecotel.listen" (dict "ctx" . "port" $g.prometheus.port) | quote) (include "ecotel.telemetry" (dict "ctx" . "port" $g.telemetryPort) | indent 4)) -}}
{{- $extensions := list "health_check" -}}
{{- $receivers := list "otlp" -}}
{{- $exporters := list "prometheus" -}}
{{- $_ := set $cfg.exporters "prometheus" (mustMergeOverwrite $cfg.exporters.prometheus (deepCopy $g.prometheus.config)) -}}
{{- if $g.entsoe.enabled -}}
{{- if not $g.entsoe.zones -}}
{{- fail "gateway.entsoe.zones: list the bidding zones of your nodes (e.g. [FR, DE-LU]), or set gateway.entsoe.enabled=false" -}}
{{- end -}}
{{- $entsoe := dict "zones" $g.entsoe.zones -}}
{{- if $g.entsoe.replayDirectory -}}
{{- $_ := set $entsoe "replay" (dict "directory" $g.entsoe.replayDirectory) -}}
{{- else -}}
{{- /* The token is a file from a Secret, re-read on every request. */ -}}
{{- $_ := set $entsoe "token_file" (printf "%s/%s" (include "ecotel.entsoeTokenDir" .) (include "ecotel.entsoeSecretKey" .)) -}}
{{- end -}}
{{- $_ := set $cfg.receivers "entsoe" (mustMergeOverwrite $entsoe (deepCopy $g.entsoe.config)) -}}
{{- $receivers = append $receivers "entsoe" -}}
{{- end -}}
{{- if $g.hardwareCatalog.enabled -}}
{{- $catalog := dict "builtin" $g.hardwareCatalog.builtin -}}
{{- if include "ecotel.catalogConfigMap" . -}}
{{- $_ := set $catalog "files" (list (printf "%s/catalog.yaml" (include "ecotel.catalogDir" .))) -}}
{{- end -}}
{{- $hw := dict "auth_type" "serviceAccount" "inventory" (dict "source" "kubernetes") "catalog" $catalog -}}
{{- with $g.hardwareCatalog.defaultZone -}}
{{- $_ := set $hw "default_zone" . -}}
{{- end -}}
{{- $_ := set $cfg.receivers "hardwarecatalog" (mustMergeOverwrite $hw (deepCopy $g.hardwareCatalog.config)) -}}
{{- $receivers = append $receivers "hardwarecatalog" -}}
{{- end -}}
{{- $sci := dict -}}
{{- if gt (int $g.shards) 1 -}}
{{- /* A shard reports only the nodes whose energy it receives; the others
are another gateway's. */ -}}
{{- $_ := set $sci "nodes_without_energy" "skip" -}}
{{- end -}}
{{- $_ := set $cfg.processors "sci" (mustMergeOverwrite $sci (deepCopy (default (dict) $g.sci.config))) -}}
{{- if $g.nodeAnnotations.enabled -}}
{{- $_ := set $cfg.exporters "k8s_node_annotation" (mustMergeOverwrite (dict "auth_type" "serviceAccount") (deepCopy $g.nodeAnnotations.config)) -}}
{{- $exporters = append $exporters "k8s_node_annotation" -}}
{{- end -}}
{{- if $g.statusPage.enabled -}}
{{- $status := dict "endpoint" (printf "%s:%v" $g.statusPage.host $g.statusPage.port) -}}
{{- $_ := set $cfg.extensions "ecostatus" (mustMergeOverwrite $status (deepCopy $g.statusPage.config)) -}}
{{- $extensions = append $extensions "ecostatus" -}}
{{- end -}}
{{- $_ := set $cfg.service "extensions" $extensions -}}
{{- $_ := set $cfg.service "pipelines" (dict "metrics" (dict "receivers" $receivers "processors" (list "memory_limiter" "batch" "sci") "exporters" $exporters)) -}}
{{- toYaml (mustMergeOverwrite $cfg (deepCopy $g.config)) -}}
{{- end -}}
