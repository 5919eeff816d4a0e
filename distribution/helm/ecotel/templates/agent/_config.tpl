{{/*
The agent's collector configuration (distribution/config/agent.yaml, with the
chart's ports): Alumet relay and OTLP in, this node's Kubernetes metadata,
OTLP out to the gateway (with gateway.shards > 1, to one of the gateways by
node name: node_shard). agent.config is merged over it.
*/}}
{{- define "ecotel.agent.config" -}}
{{- $a := .Values.agent -}}
{{- $receivers := list -}}
{{- $processors := list "memory_limiter" -}}
{{- $gateway := default (printf "%s.%s.svc:%v" (include "ecotel.componentName" (dict "ctx" . "component" "gateway")) .Release.Namespace .Values.gateway.otlp.grpcPort) $a.gatewayEndpoint -}}
{{- $cfg := dict -}}
{{- $generated := "" -}}
{{- $generated = printf `
extensions:
  health_check:
    endpoint: %s
receivers: {}
processors:
  memory_limiter:
%s
  batch:
    timeout: 1s
exporters:
  otlp_grpc:
    endpoint: %s
    tls:
%s
    sending_queue:
      enabled: true
    retry_on_failure:
      enabled: true
service:
  extensions: [health_check]
  telemetry:
%s
` (include "ecotel.listen" (dict "ctx" . "port" $a.healthPort) | quote) (include "ecotel.memoryLimiter" $a.memoryLimiter | indent 4) ($gateway | quote) (toYaml $a.gatewayTLS | indent 6) (include "ecotel.telemetry" (dict "ctx" . "port" $a.telemetryPort) | indent 4) -}}
{{- $cfg = fromYaml $generated -}}
{{- $exporter := "otlp_grpc" -}}
{{- if gt (int .Values.gateway.shards) 1 -}}
{{- if $a.gatewayEndpoint -}}
{{- fail "agent.gatewayEndpoint names one gateway, but gateway.shards > 1: leave it empty (the agents find the gateways through their headless Service), or set gateway.shards=1" -}}
{{- end -}}
{{- /* Each node's data to one of the gateways, chosen by node name. */ -}}
{{- $otlp := omit $cfg.exporters.otlp_grpc "endpoint" -}}
{{- $dns := dict "hostname" (printf "%s.%s.svc" (include "ecotel.gatewayHeadlessName" .) .Release.Namespace) "port" (int .Values.gateway.otlp.grpcPort) -}}
{{- $_ := set $cfg "exporters" (dict "node_shard" (dict "resolver" (dict "dns" $dns) "protocol" (dict "otlp" $otlp))) -}}
{{- $exporter = "node_shard" -}}
{{- end -}}
{{- if or $a.relay.enabled $a.alumetOtlp.enabled -}}
{{- $bridge := dict "node_name" "${env:K8S_NODE_NAME}" "flush_interval" $a.flushInterval -}}
{{- if $a.relay.enabled -}}
{{- $_ := set $bridge "relay" (dict "endpoint" (include "ecotel.listen" (dict "ctx" . "port" $a.relay.port)) "max_connections" $a.relay.maxConnections) -}}
{{- else -}}
{{- $_ := set $bridge "relay" (dict "enabled" false) -}}
{{- end -}}
{{- if $a.alumetOtlp.enabled -}}
{{- $_ := set $bridge "otlp" (dict "endpoint" (include "ecotel.listen" (dict "ctx" . "port" $a.alumetOtlp.port))) -}}
{{- end -}}
{{- $_ := set $cfg.receivers "alumetbridge" $bridge -}}
{{- $receivers = append $receivers "alumetbridge" -}}
{{- end -}}
{{- if $a.otlp.enabled -}}
{{- $_ := set $cfg.receivers "otlp" (dict "protocols" (dict "grpc" (dict "endpoint" (include "ecotel.listen" (dict "ctx" . "port" $a.otlp.port))))) -}}
{{- $receivers = append $receivers "otlp" -}}
{{- end -}}
{{- if not $receivers -}}
{{- fail "agent: enable at least one of agent.relay, agent.alumetOtlp, agent.otlp (or set agent.enabled=false)" -}}
{{- end -}}
{{- if $a.k8sAttributes.enabled -}}
{{- /* Only this node's pods; pod energy carries k8s.pod.uid, other OTLP is
matched by its sender's address. k8s.deployment.name is derived from the
ReplicaSet name, so Pods are the only objects watched. */ -}}
{{- $k8s := fromYaml `
auth_type: serviceAccount
filter:
  node: ${env:K8S_NODE_NAME}
pod_association:
  - sources:
      - from: resource_attribute
        name: k8s.pod.uid
  # OTLP from pods on this node (agent.otlp), by their address.
  - sources:
      - from: connection
extract:
  metadata: [k8s.pod.name, k8s.namespace.name, k8s.deployment.name, k8s.node.name]
` -}}
{{- $_ := set $cfg.processors "k8s_attributes" $k8s -}}
{{- $processors = append $processors "k8s_attributes" -}}
{{- end -}}
{{- $processors = append $processors "batch" -}}
{{- $_ := set $cfg.service "pipelines" (dict "metrics" (dict "receivers" $receivers "processors" $processors "exporters" (list $exporter))) -}}
{{- toYaml (mustMergeOverwrite $cfg (deepCopy $a.config)) -}}
{{- end -}}
