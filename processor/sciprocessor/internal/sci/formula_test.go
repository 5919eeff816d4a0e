package sci

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

const fourYearsS = 4 * 365 * 24 * SecondsPerHour

func assertRel(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if want == 0 {
		if math.Abs(got) > tol {
			t.Errorf("%s = %.12g, want 0 (±%g)", what, got, tol)
		}
		return
	}
	if rel := math.Abs(got-want) / math.Abs(want); rel > tol || math.IsNaN(got) {
		t.Errorf("%s = %.12g, want %.12g (relative error %.3g > %g)", what, got, want, rel, tol)
	}
}

// The specification's own example (SPEC.md, "Embodied emissions"): 1,000 kg
// TE, a 4-year life and 1 h reserved give 1000×1/(4×365×24) ≈ 28.5 g; Impact
// Framework's SciEmbodied prints 28.5388… for the same inputs.
func TestEmbodiedSpecExample(t *testing.T) {
	got := EmbodiedG(1_000_000, SecondsPerHour, fourYearsS, 1)
	assertRel(t, "M", got, 1_000_000.0/(4*365*24), 1e-12)
	assertRel(t, "M vs IF's 28.5388127853881", got, 28.5388127853881, 1e-12)
}

// The anchors reference's worked example: one node over one hour.
func TestWorkedExampleNode(t *testing.T) {
	const (
		itEnergyJ = 0.25 * JoulesPerKWh
		pue       = 1.135
		intensity = 250.0
		te        = 1_610_790.0
	)
	m := EmbodiedG(te, SecondsPerHour, fourYearsS, 1)
	assertRel(t, "M", m, 45.970034246575, 1e-9)

	perHour, err := Compose(itEnergyJ, pue, intensity, m, 1) // R = one node-hour
	if err != nil {
		t.Fatal(err)
	}
	assertRel(t, "E", perHour.EnergyKWh, 0.28375, 1e-12)
	assertRel(t, "O", perHour.OperationalG, 70.9375, 1e-12)
	assertRel(t, "C", perHour.CarbonG(), 116.907534246575, 1e-9)
	assertRel(t, "SCI per node-hour", perHour.ScoreG, 116.907534246575, 1e-9)
	// Rounded as the reference prints it.
	assertRel(t, "SCI ≈ 116.91", math.Round(perHour.ScoreG*100)/100, 116.91, 1e-12)

	perRequest, err := Compose(itEnergyJ, pue, intensity, m, 36_000)
	if err != nil {
		t.Fatal(err)
	}
	assertRel(t, "SCI per request ≈ 3.25 mg", perRequest.ScoreG, 116.907534246575/36_000, 1e-9)
	assertRel(t, "SCI per request, rounded to 0.01 mg", math.Round(perRequest.ScoreG*1e5)/1e5, 0.00325, 1e-12)
}

// The reference's pod: 2 of 16 vCPU reserved, 0.025 kWh of IT energy
// attributed, R = 9,000 requests.
func TestWorkedExamplePod(t *testing.T) {
	const nodeJ = 0.25 * JoulesPerKWh
	shares := make([]PodShare, 2)
	// The example's 0.025 kWh is the pod's whole IT energy, so split with
	// the rule that adds nothing (the requests split is tested separately).
	Split(nodeJ, 16, SplitNone, []PodInput{
		{AttributedJ: 0.025 * JoulesPerKWh, RequestCPU: 2, CPUTimeS: -1},
		{AttributedJ: 0.1 * JoulesPerKWh, RequestCPU: 6, CPUTimeS: -1},
	}, shares)
	pod := shares[0]
	if pod.Basis != BasisRequests {
		t.Fatalf("basis %v, want requests", pod.Basis)
	}
	assertRel(t, "RR/ToR", pod.ResourceShare, 2.0/16, 1e-15)
	m := EmbodiedG(1_610_790, SecondsPerHour, fourYearsS, pod.ResourceShare)
	assertRel(t, "M", m, 5.746254280822, 1e-9)
	c, err := Compose(pod.ITEnergyJ, 1.135, 250, m, 9_000)
	if err != nil {
		t.Fatal(err)
	}
	assertRel(t, "E", c.EnergyKWh, 0.028375, 1e-12)
	assertRel(t, "O", c.OperationalG, 7.09375, 1e-12)
	assertRel(t, "C ≈ 12.84", c.CarbonG(), 12.840004280822, 1e-9)
	assertRel(t, "SCI ≈ 1.43 mg/request", c.ScoreG, 12.840004280822/9_000, 1e-9)
	assertRel(t, "SCI rounded to 0.01 mg", math.Round(c.ScoreG*1e5)/1e5, 0.00143, 1e-12)
}

func TestComposeRefusesBadInputs(t *testing.T) {
	if _, err := Compose(1, 1, 1, 1, 0); !errors.Is(err, ErrNoFunctionalUnits) {
		t.Errorf("R = 0: err %v, want ErrNoFunctionalUnits", err)
	}
	if _, err := Compose(1, 1, 1, 1, math.NaN()); !errors.Is(err, ErrNoFunctionalUnits) {
		t.Errorf("R = NaN: err %v, want ErrNoFunctionalUnits", err)
	}
	for _, bad := range [][4]float64{{-1, 1, 1, 1}, {1, math.NaN(), 1, 1}, {1, 1, math.Inf(1), 1}, {1, 1, 1, -0.1}} {
		if _, err := Compose(bad[0], bad[1], bad[2], bad[3], 1); err == nil {
			t.Errorf("Compose%v: no error", bad)
		}
	}
}

// Amortizing over the whole expected lifetime, in windows of any length,
// must give back exactly the total embodied emissions.
func TestEmbodiedOverLifetimeIsTotal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		te := rng.Float64() * 5e6
		el := (1 + rng.Float64()*9) * 365 * 24 * SecondsPerHour
		windows := 1 + rng.IntN(5000)
		step := el / float64(windows)
		var sum float64
		for range windows {
			sum += EmbodiedG(te, step, el, 1)
		}
		assertRel(t, "Σ M over lifetime", sum, te, 1e-9)
		assertRel(t, "M(EL)", EmbodiedG(te, el, el, 1), te, 1e-15)
	}
}

func TestSumKeepsRecomputability(t *testing.T) {
	a, _ := Compose(3.6e6, 1.1, 100, 2, 1)
	b, _ := Compose(7.2e6, 1.5, 400, 3, 1)
	s, err := Sum([]Components{a, b}, 1)
	if err != nil {
		t.Fatal(err)
	}
	assertRel(t, "E", s.EnergyKWh, a.EnergyKWh+b.EnergyKWh, 1e-15)
	assertRel(t, "O", s.OperationalG, a.OperationalG+b.OperationalG, 1e-12)
	assertRel(t, "M", s.EmbodiedG, 5, 1e-15)
	assertRel(t, "PUE", s.PUE, (1.1+3)/3, 1e-12)
	assertRel(t, "score = (E×I+M)/R", s.ScoreG, (s.EnergyKWh*s.IntensityGPerKWh+s.EmbodiedG)/s.FunctionalUnits, 1e-15)
}

func TestCarbonPerVCPUHour(t *testing.T) {
	// 16 vCPUs drawing 160 W in all: 10 W per vCPU, PUE 1.135, 250 g/kWh,
	// and the worked example's TE over 4 years.
	got, ok := CarbonPerVCPUHourG(160, 16, 1.135, 250, 1_610_790, fourYearsS)
	if !ok {
		t.Fatal("not ok")
	}
	assertRel(t, "g per vCPU-hour", got, 10*1.135*250/1000+1_610_790.0/35_040/16, 1e-12)
	if _, ok := CarbonPerVCPUHourG(160, 0, 1.135, 250, 1, 1); ok {
		t.Error("0 vCPUs accepted")
	}
	assertRel(t, "profile watts at 50%", ProfileWatts(100, 300, 0.5), 200, 1e-15)
	assertRel(t, "profile watts clamps", ProfileWatts(100, 300, 7), 300, 1e-15)
}
