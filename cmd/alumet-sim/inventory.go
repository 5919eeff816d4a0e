package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/ecotel/ecotel/internal/clusterinventory"
)

// gridZones are the bidding zones generated nodes are spread over (those of
// the demo, so the entsoe replay data covers them).
var gridZones = []string{"FR", "DE-LU", "SE-3", "SE-4"}

var podShapes = []struct {
	namespace, deployment string
	cpuMilli              int
	memory                string
}{
	{"shop", "web", 500, "256Mi"},
	{"shop", "cart", 250, "128Mi"},
	{"batch", "encoder", 2000, "2Gi"},
	{"ml", "trainer", 4000, "8Gi"},
}

// generateInventory builds a cluster of nodes × podsPerNode pods with
// deterministic names and uids, requests fitting each node's allocatable CPU.
func generateInventory(nodes, podsPerNode int, seed uint64) *clusterinventory.Inventory {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	inv := &clusterinventory.Inventory{}
	const nodeCPU = 16
	for i := 0; i < nodes; i++ {
		name := fmt.Sprintf("sim-node-%05d", i)
		inv.Nodes = append(inv.Nodes, clusterinventory.Node{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"ecotel.io/grid-zone":    gridZones[i%len(gridZones)],
			},
			Allocatable: clusterinventory.Resources{CPU: fmt.Sprint(nodeCPU), Memory: "64Gi"},
		})
		budgetMilli := nodeCPU * 1000 * 8 / 10
		for j := 0; j < podsPerNode; j++ {
			shape := podShapes[rng.IntN(len(podShapes))]
			cpu := min(shape.cpuMilli, max(10, budgetMilli/podsPerNode))
			uid := uuid(rng)
			inv.Pods = append(inv.Pods, clusterinventory.Pod{
				UID: uid, Name: fmt.Sprintf("%s-%s", shape.deployment, uid[:8]), Namespace: shape.namespace,
				Node: name, Deployment: shape.deployment,
				Requests: clusterinventory.Resources{CPU: fmt.Sprintf("%dm", cpu), Memory: shape.memory},
			})
		}
	}
	return inv
}

// uuid returns a random version-4 UUID.
func uuid(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
