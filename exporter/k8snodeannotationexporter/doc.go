// Package k8snodeannotationexporter writes each node's carbon ranking signal
// (eco.node.carbon_per_vcpu), grid zone, zone carbon intensity and node SCI
// as annotations on the Kubernetes Node object, and optionally a coarse
// carbon-class label, so that `kubectl get nodes -L ecotel.io/carbon-class`
// shows it and the ecotel scheduler plugin's annotation source can rank nodes
// without Prometheus.
package k8snodeannotationexporter

//go:generate ../../bin/mdatagen metadata.yaml
