// Package nodeshardexporter spreads a cluster's nodes over N gateways: it
// sends the metrics of each resource, over OTLP/gRPC (the core otlp
// exporter, one per gateway, with its queue and retries), to the gateway
// that rendezvous hashing of the resource's k8s.node.name picks among the
// gateways listed (static) or resolved from a headless Service (DNS).
// Every gateway then sees all of a node's energy and computes its SCI
// alone. It stands in for the contrib loadbalancing exporter (routing by
// a resource attribute), which the module proxy does not serve here.
package nodeshardexporter

//go:generate ../../bin/mdatagen metadata.yaml
