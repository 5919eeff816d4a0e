package clusterinventory

import "testing"

// The demo cluster shipped for `make run` must always load.
func TestDemoClusterLoads(t *testing.T) {
	inv, err := Load("../../distribution/demo/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Nodes) < 3 || len(inv.Pods) == 0 {
		t.Fatalf("demo cluster too small: %d nodes, %d pods", len(inv.Nodes), len(inv.Pods))
	}
}
