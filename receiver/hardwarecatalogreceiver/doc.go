//go:generate ../../bin/mdatagen metadata.yaml

// Package hardwarecatalogreceiver characterizes every node of a Kubernetes
// cluster for carbon accounting: PUE, total embodied emissions, expected
// lifetime, age, vCPUs, memory, idle and maximum power and the grid zone it
// draws power from, from a hardware catalog with cited figures. It also
// reports every pod's resource requests and every node's allocatable
// resources, the reservation shares (RR/ToR) the sci processor needs.
package hardwarecatalogreceiver // import "github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver"
