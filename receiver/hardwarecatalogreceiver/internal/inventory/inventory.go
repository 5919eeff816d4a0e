// Package inventory provides the cluster's nodes and pods to the receiver
// from one of two sources behind one interface: the Kubernetes API (client-go
// shared informers) or a static inventory file (internal/clusterinventory
// format). Either way the receiver sees plain values, with quantities already
// converted to cores and bytes.
package inventory

import (
	"context"
	"sort"
)

// Node is what the receiver needs to know about a node.
type Node struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	// ProviderID is spec.providerID (aws:///eu-west-3a/i-…, gce://…), when set.
	ProviderID string
	// Capacity and allocatable resources, in cores and bytes; 0 when unknown.
	CapacityCPU            float64
	CapacityMemoryBytes    float64
	AllocatableCPU         float64
	AllocatableMemoryBytes float64
}

// Pod is what the receiver needs to know about a pod bound to a node.
type Pod struct {
	UID       string
	Name      string
	Namespace string
	NodeName  string
	// Deployment owns the pod through a ReplicaSet; empty otherwise.
	Deployment string
	// Requests are the pod's effective requests (containers, init containers
	// and overhead, by the Kubernetes rule), in cores and bytes.
	CPURequest         float64
	MemoryRequestBytes float64
}

// Snapshot is the cluster at one moment, nodes sorted by name and pods by
// namespace and name, so outputs are deterministic.
type Snapshot struct {
	Nodes []Node
	Pods  []Pod
}

// Source provides snapshots of the cluster.
type Source interface {
	// Start begins watching; it fails when the source cannot be used at all
	// (unreadable inventory file, no Kubernetes credentials).
	Start(ctx context.Context) error
	// Snapshot returns the current cluster; false while the source has not
	// yet completed its first listing.
	Snapshot() (Snapshot, bool)
	// Shutdown stops watching and waits for the source's goroutines.
	Shutdown(ctx context.Context) error
}

func sortSnapshot(s *Snapshot) {
	sort.Slice(s.Nodes, func(i, j int) bool { return s.Nodes[i].Name < s.Nodes[j].Name })
	sort.Slice(s.Pods, func(i, j int) bool {
		if s.Pods[i].Namespace != s.Pods[j].Namespace {
			return s.Pods[i].Namespace < s.Pods[j].Namespace
		}
		return s.Pods[i].Name < s.Pods[j].Name
	})
}
