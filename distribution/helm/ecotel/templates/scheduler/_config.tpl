{{/*
KubeSchedulerConfiguration of the ecotel scheduler (schedulerplugin/manifests/config.yaml):
one profile, SCIScore at PreScore/Score (weight scoreWeight) and, when
deferral is enabled, CarbonDeferral at PreEnqueue.
*/}}
{{- define "ecotel.scheduler.config" -}}
{{- $s := .Values.scheduler -}}
{{- $source := dict "source" $s.source -}}
{{- if eq $s.source "prometheus" -}}
{{- if not $s.prometheusAddress -}}
{{- fail "scheduler.prometheusAddress: set the Prometheus that scrapes the gateway (e.g. http://prometheus-operated.monitoring.svc:9090), or use scheduler.source=annotation" -}}
{{- end -}}
{{- $_ := set $source "prometheus" (dict "address" $s.prometheusAddress) -}}
{{- else if ne $s.source "annotation" -}}
{{- fail (printf "scheduler.source %q: use \"annotation\" (Node annotations written by the gateway) or \"prometheus\"" $s.source) -}}
{{- end -}}
{{- $enabled := list (dict "name" "SCIScore" "weight" $s.scoreWeight) -}}
{{- $pluginConfig := list (dict "name" "SCIScore" "args" (mustMergeOverwrite (deepCopy $source) (deepCopy $s.sciScoreArgs))) -}}
{{- if $s.deferral.enabled -}}
{{- $enabled = append $enabled (dict "name" "CarbonDeferral") -}}
{{- $pluginConfig = append $pluginConfig (dict "name" "CarbonDeferral" "args" (mustMergeOverwrite (deepCopy $source) (deepCopy $s.deferral.args))) -}}
{{- end -}}
{{- $profile := dict
  "schedulerName" $s.schedulerName
  "plugins" (dict "multiPoint" (dict "enabled" $enabled))
  "pluginConfig" $pluginConfig
-}}
{{- with $s.percentageOfNodesToScore -}}
{{- if or (lt (int .) 1) (gt (int .) 100) -}}
{{- fail (printf "scheduler.percentageOfNodesToScore %v: a percentage from 1 to 100 (or 0 for the scheduler's adaptive default)" .) -}}
{{- end -}}
{{- $_ := set $profile "percentageOfNodesToScore" (int .) -}}
{{- end -}}
{{- $cfg := dict
  "apiVersion" "kubescheduler.config.k8s.io/v1"
  "kind" "KubeSchedulerConfiguration"
  "leaderElection" (dict "leaderElect" $s.leaderElect "resourceName" $s.schedulerName "resourceNamespace" .Release.Namespace)
  "profiles" (list $profile)
-}}
{{- toYaml $cfg -}}
{{- end -}}
