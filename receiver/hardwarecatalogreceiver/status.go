package hardwarecatalogreceiver // import "github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver"

import (
	"slices"
	"sync"

	"github.com/ecotel/ecotel/internal/ecostatus"
)

// nodeStatus keeps what the last scrape found about each node for the
// status page: zone, hardware profile, PUE, embodied rate and vCPUs.
type nodeStatus struct {
	mu    sync.Mutex
	nodes []ecostatus.Node
}

var _ ecostatus.Source = (*nodeStatus)(nil)

func (st *nodeStatus) set(nodes []ecostatus.Node) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.nodes = nodes
}

// StatusSnapshot implements ecostatus.Source. Each scrape stores a new
// slice and never changes it afterwards, so a shallow copy is enough.
func (st *nodeStatus) StatusSnapshot() ecostatus.Snapshot {
	st.mu.Lock()
	defer st.mu.Unlock()
	return ecostatus.Snapshot{Nodes: slices.Clone(st.nodes)}
}

// status is the node as the status page shows it; figures the node does
// not have (no embodied figure, unknown vCPUs) are left unknown.
func (f nodeFacts) status() ecostatus.Node {
	n := ecostatus.Node{Name: f.Name, Zone: f.ZoneCode, Profile: f.Profile}
	pue := f.PUE
	n.PUE = &pue
	if f.HasEmbodied {
		rate := f.EmbodiedRateGPerH
		n.EmbodiedRateGPerHour = &rate
	}
	if f.VCPUs > 0 {
		vcpus := f.VCPUs
		n.VCPUs = &vcpus
	}
	return n
}
