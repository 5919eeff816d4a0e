package sci

import "math"

// SplitRule says how a node's unattributed energy (node total − Σ energy
// attributed to pods) is shared among its pods.
type SplitRule int

const (
	// SplitRequests gives each pod RR/ToR of the unattributed energy: its CPU
	// requests over the node's allocatable CPU, the same share as its
	// embodied emissions. The unreserved rest stays with the node. This is
	// what SCI asks for: reserved hardware is counted, idle or not.
	SplitRequests SplitRule = iota
	// SplitUsage shares all unattributed energy in proportion to the pods'
	// CPU time in the window.
	SplitUsage
	// SplitNone leaves unattributed energy with the node: a pod's E is its
	// attributed energy only (Kepler's model).
	SplitNone
)

// String returns the rule's configuration name.
func (r SplitRule) String() string {
	switch r {
	case SplitRequests:
		return "requests"
	case SplitUsage:
		return "usage"
	case SplitNone:
		return "none"
	}
	return "unknown"
}

// PodInput is what the split needs to know about one pod of a node for one window.
type PodInput struct {
	// AttributedJ is the pod-level energy attributed to the pod in the window (J).
	AttributedJ float64
	// RequestCPU is the pod's CPU requests in cores; ≤ 0 when unknown.
	RequestCPU float64
	// CPUTimeS is the pod's CPU time in the window (s); < 0 when unknown.
	CPUTimeS float64
}

// EmbodiedBasis says how a pod's resource share RR/ToR was determined.
type EmbodiedBasis int

const (
	// BasisRequests: CPU requests over the node's allocatable CPU.
	BasisRequests EmbodiedBasis = iota
	// BasisEnergyShare: requests or allocatable unknown; the pod's share of
	// the node's IT energy in the window stands in for RR/ToR.
	BasisEnergyShare
	// BasisWholeNode: node scope, RR/ToR = 1.
	BasisWholeNode
)

// PodShare is the outcome of the split for one pod.
type PodShare struct {
	// ITEnergyJ is the pod's E before PUE: its (normalized) attributed energy
	// plus its share of the node's unattributed energy.
	ITEnergyJ float64
	// UnattributedJ is the part of ITEnergyJ that came from the node's unattributed energy.
	UnattributedJ float64
	// ResourceShare is RR/ToR for the pod's embodied emissions.
	ResourceShare float64
	// Basis says how ResourceShare was determined.
	Basis EmbodiedBasis
}

// NodeSplit is the outcome of splitting one node's energy over its pods.
type NodeSplit struct {
	// UnattributedJ is the node energy left with no pod after the split.
	UnattributedJ float64
	// AttributionScale is < 1 when the pods' attributed energy exceeded the
	// node's measured energy and was scaled down to it (the node meter is
	// the reference; attribution is a model). 1 otherwise.
	AttributionScale float64
}

// Split shares a node's IT energy (J) over its pods for one window and
// writes one PodShare per pod into out (which must have len(pods)).
// allocatableCPU is ToR in cores (≤ 0 when unknown). It conserves energy:
// Σ out[i].ITEnergyJ + result.UnattributedJ = nodeJ (up to rounding).
func Split(nodeJ, allocatableCPU float64, rule SplitRule, pods []PodInput, out []PodShare) NodeSplit {
	var attributed, requested, cpuTime float64
	for _, p := range pods {
		attributed += nonNegative(p.AttributedJ)
		if p.RequestCPU > 0 {
			requested += p.RequestCPU
		}
		if p.CPUTimeS > 0 {
			cpuTime += p.CPUTimeS
		}
	}
	res := NodeSplit{AttributionScale: 1}
	if attributed > nodeJ && attributed > 0 {
		res.AttributionScale = nodeJ / attributed
	}
	unattributed := math.Max(nodeJ-attributed*res.AttributionScale, 0)

	// ToR for reservation shares: allocatable CPU, but never less than what
	// is requested, so shares never add up to more than the node.
	tor := allocatableCPU
	if requested > tor {
		tor = requested
	}
	var given float64
	for i, p := range pods {
		s := PodShare{ITEnergyJ: nonNegative(p.AttributedJ) * res.AttributionScale}
		switch rule {
		case SplitRequests:
			if p.RequestCPU > 0 && tor > 0 {
				s.UnattributedJ = unattributed * p.RequestCPU / tor
			}
		case SplitUsage:
			if p.CPUTimeS > 0 && cpuTime > 0 {
				s.UnattributedJ = unattributed * p.CPUTimeS / cpuTime
			}
		}
		s.ITEnergyJ += s.UnattributedJ
		given += s.UnattributedJ
		if p.RequestCPU > 0 && allocatableCPU > 0 {
			s.ResourceShare = p.RequestCPU / tor
			s.Basis = BasisRequests
		} else {
			s.Basis = BasisEnergyShare
			if nodeJ > 0 {
				s.ResourceShare = math.Min(s.ITEnergyJ/nodeJ, 1)
			}
		}
		out[i] = s
	}
	res.UnattributedJ = math.Max(unattributed-given, 0)
	return res
}

func nonNegative(v float64) float64 {
	if v > 0 {
		return v
	}
	return 0
}
