{{/* Names, labels and small shared pieces of the ecotel chart. */}}

{{- define "ecotel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every object name: the release name, plus "-ecotel" unless it already says so. */}}
{{- define "ecotel.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of one component's objects: (dict "ctx" $ "component" "agent"). */}}
{{- define "ecotel.componentName" -}}
{{- printf "%s-%s" (include "ecotel.fullname" .ctx | trunc 50 | trimSuffix "-") .component }}
{{- end }}

{{/* The gateways' headless Service (gateway.shards > 1): one address per ready gateway pod. */}}
{{- define "ecotel.gatewayHeadlessName" -}}
{{- printf "%s-headless" (include "ecotel.componentName" (dict "ctx" . "component" "gateway")) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ecotel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ecotel.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: ecotel
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "ecotel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ecotel.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* ServiceAccount name of a component: (dict "ctx" $ "component" "agent" "sa" .Values.agent.serviceAccount). */}}
{{- define "ecotel.serviceAccountName" -}}
{{- if .sa.create }}
{{- default (include "ecotel.componentName" .) .sa.name }}
{{- else }}
{{- default "default" .sa.name }}
{{- end }}
{{- end }}

{{/* image reference: (dict "image" .Values.image "ctx" $). */}}
{{- define "ecotel.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/* host:port on the configured listen host. */}}
{{- define "ecotel.listen" -}}
{{- printf "%s:%v" .ctx.Values.listenHost .port }}
{{- end }}

{{/* The collectors' own metrics, for a PodMonitor/ServiceMonitor. */}}
{{- define "ecotel.telemetry" -}}
metrics:
  level: normal
  readers:
    - pull:
        exporter:
          prometheus:
            host: {{ .ctx.Values.listenHost | trimPrefix "[" | trimSuffix "]" | quote }}
            port: {{ .port }}
{{- end }}

{{/* The memory_limiter processor. */}}
{{- define "ecotel.memoryLimiter" -}}
check_interval: 1s
limit_percentage: {{ .limitPercentage }}
spike_limit_percentage: {{ .spikeLimitPercentage }}
{{- end }}

{{/*
GOMEMLIMIT in bytes: percent of the container's memory limit, or nothing
without a limit or with percent 0. (dict "resources" $x.resources "percent" $x.goMemLimitPercentage)
*/}}
{{- define "ecotel.goMemLimit" -}}
{{- $limit := toString (dig "limits" "memory" "" .resources) -}}
{{- if and $limit (gt (int .percent) 0) -}}
{{- $units := dict "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "" 1.0 -}}
{{- $num := regexFind `^[0-9]+(\.[0-9]+)?` $limit -}}
{{- $unit := trimPrefix $num $limit -}}
{{- if or (not $num) (not (hasKey $units $unit)) -}}
{{- fail (printf "resources.limits.memory %q: use a number with a Ki, Mi, Gi, Ti, k, M, G or T suffix (e.g. 1Gi)" $limit) -}}
{{- end -}}
{{- printf "%.0f" (mulf (float64 $num) (get $units $unit) (divf (int .percent) 100.0)) -}}
{{- end -}}
{{- end }}

{{/* Name of the Secret holding the ENTSO-E token, and its key. */}}
{{- define "ecotel.entsoeSecretName" -}}
{{- default (include "ecotel.componentName" (dict "ctx" . "component" "entsoe")) .Values.gateway.entsoe.existingSecret }}
{{- end }}
{{- define "ecotel.entsoeSecretKey" -}}
{{- if .Values.gateway.entsoe.existingSecret }}{{ .Values.gateway.entsoe.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/* Name of the ConfigMap holding the site hardware catalog ("" when none). */}}
{{- define "ecotel.catalogConfigMap" -}}
{{- if .Values.gateway.hardwareCatalog.existingConfigMap }}
{{- .Values.gateway.hardwareCatalog.existingConfigMap }}
{{- else if .Values.gateway.hardwareCatalog.catalog }}
{{- include "ecotel.componentName" (dict "ctx" . "component" "catalog") }}
{{- end }}
{{- end }}

{{/* Paths inside the gateway container. */}}
{{- define "ecotel.entsoeTokenDir" -}}/var/run/secrets/ecotel/entsoe{{- end }}
{{- define "ecotel.catalogDir" -}}/etc/ecotel/catalog{{- end }}
