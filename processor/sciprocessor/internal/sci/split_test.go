package sci

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSplitRequests(t *testing.T) {
	// 1000 J node, pods attributed 300 J and 100 J: 600 J unattributed.
	// Allocatable 8 cores; requests 2 and 1 → 150 J and 75 J of it.
	out := make([]PodShare, 2)
	res := Split(1000, 8, SplitRequests, []PodInput{
		{AttributedJ: 300, RequestCPU: 2},
		{AttributedJ: 100, RequestCPU: 1},
	}, out)
	assertRel(t, "pod 0 E", out[0].ITEnergyJ, 450, 1e-15)
	assertRel(t, "pod 1 E", out[1].ITEnergyJ, 175, 1e-15)
	assertRel(t, "pod 0 RR/ToR", out[0].ResourceShare, 0.25, 1e-15)
	assertRel(t, "unattributed left", res.UnattributedJ, 375, 1e-15)
	assertRel(t, "scale", res.AttributionScale, 1, 0)
}

func TestSplitUsageAndNone(t *testing.T) {
	out := make([]PodShare, 2)
	res := Split(1000, 8, SplitUsage, []PodInput{
		{AttributedJ: 300, RequestCPU: 2, CPUTimeS: 30},
		{AttributedJ: 100, CPUTimeS: 10},
	}, out)
	assertRel(t, "pod 0 E", out[0].ITEnergyJ, 300+450, 1e-15)
	assertRel(t, "pod 1 E", out[1].ITEnergyJ, 100+150, 1e-15)
	assertRel(t, "unattributed", res.UnattributedJ, 0, 1e-12)
	if out[1].Basis != BasisEnergyShare {
		t.Errorf("pod without requests: basis %v, want energy share", out[1].Basis)
	}
	assertRel(t, "energy share", out[1].ResourceShare, 0.25, 1e-15)

	res = Split(1000, 8, SplitNone, []PodInput{{AttributedJ: 300, RequestCPU: 2}}, out[:1])
	assertRel(t, "none: pod E", out[0].ITEnergyJ, 300, 1e-15)
	assertRel(t, "none: unattributed", res.UnattributedJ, 700, 1e-15)
}

func TestSplitScalesOverAttribution(t *testing.T) {
	out := make([]PodShare, 2)
	res := Split(100, 4, SplitRequests, []PodInput{{AttributedJ: 150, RequestCPU: 1}, {AttributedJ: 50, RequestCPU: 1}}, out)
	assertRel(t, "scale", res.AttributionScale, 0.5, 1e-15)
	assertRel(t, "pod 0", out[0].ITEnergyJ, 75, 1e-15)
	assertRel(t, "pod 1", out[1].ITEnergyJ, 25, 1e-15)
	assertRel(t, "unattributed", res.UnattributedJ, 0, 0)
}

// Property: whatever the inputs, every share is non-negative, RR/ToR stays in
// [0,1], and the pods' operational carbon plus the node's unattributed
// operational carbon equals the node's operational carbon (energy is
// conserved), within 1e-9 relative.
func TestSplitProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for iter := range 5000 {
		nodeJ := rng.Float64() * 1e6
		if iter%10 == 0 {
			nodeJ = 0
		}
		alloc := float64(rng.IntN(64))
		rule := SplitRule(rng.IntN(3))
		pods := make([]PodInput, rng.IntN(40))
		for i := range pods {
			pods[i] = PodInput{
				AttributedJ: rng.Float64() * nodeJ / 10,
				RequestCPU:  float64(rng.IntN(5)) * 0.25,
				CPUTimeS:    rng.Float64()*60 - 5,
			}
			if rng.IntN(20) == 0 {
				pods[i].AttributedJ = rng.Float64() * nodeJ // over-attribution
			}
		}
		out := make([]PodShare, len(pods))
		res := Split(nodeJ, alloc, rule, pods, out)
		pue, intensity := 1+rng.Float64(), rng.Float64()*900
		node, _ := Compose(nodeJ, pue, intensity, 0, 1)
		left, _ := Compose(res.UnattributedJ, pue, intensity, 0, 1)
		sum := left.OperationalG
		var share float64
		for i, s := range out {
			if s.ITEnergyJ < 0 || s.UnattributedJ < 0 || s.ResourceShare < 0 || s.ResourceShare > 1+1e-12 {
				t.Fatalf("iter %d pod %d: negative or oversized share %+v", iter, i, s)
			}
			if s.Basis == BasisRequests {
				share += s.ResourceShare
			}
			c, err := Compose(s.ITEnergyJ, pue, intensity, EmbodiedG(1e6, 60, 1e8, s.ResourceShare), 1)
			if err != nil || c.ScoreG < 0 {
				t.Fatalf("iter %d pod %d: score %v err %v", iter, i, c.ScoreG, err)
			}
			sum += c.OperationalG
		}
		if share > 1+1e-12 {
			t.Fatalf("iter %d: reserved shares add to %v > 1", iter, share)
		}
		if math.Abs(sum-node.OperationalG) > 1e-9*math.Max(node.OperationalG, 1e-300) && !(node.OperationalG == 0 && sum == 0) {
			t.Fatalf("iter %d (%v, %d pods): Σ pods + unattributed = %.15g g, node = %.15g g", iter, rule, len(pods), sum, node.OperationalG)
		}
	}
}
