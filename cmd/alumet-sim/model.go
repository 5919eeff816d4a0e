package main

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/ecotel/ecotel/internal/clusterinventory"
	"github.com/ecotel/ecotel/pkg/alumetrelay"
)

// Metric ids this simulated agent registers (an Alumet agent with the rapl,
// k8s and energy-attribution plugins).
const (
	metricRAPL = iota
	metricAttributed
	metricCPUTime
)

// nodeModel is one node's power model: idle power plus a load-dependent
// part, for the CPU packages and the DRAM, split over its sockets.
type nodeModel struct {
	name                string
	cores               float64
	sockets             int
	pkgIdleW, pkgMaxW   float64
	dramIdleW, dramMaxW float64
	platformOverheadW   float64
	pods                []*podModel
	rng                 *rand.Rand
}

type podModel struct {
	uid, name, namespace  string
	cgroup                string
	requestCores          float64
	phase, periodS        float64
	containers            []string // container ids, when -containers
	containerCgroups      []string
	energyAttrs, cpuAttrs []alumetrelay.Attribute
}

func newNodeModel(n clusterinventory.Node, pods []clusterinventory.Pod, seed uint64) *nodeModel {
	cores, _ := n.Allocatable.CPUCores()
	if cores <= 0 {
		cores = 8
	}
	memBytes, _ := n.Allocatable.MemoryBytes()
	memGiB := math.Max(memBytes/(1<<30), 4)
	sockets := 1
	if cores >= 16 {
		sockets = 2
	}
	m := &nodeModel{
		name: n.Name, cores: cores, sockets: sockets,
		pkgIdleW: 8 + 0.9*cores, pkgMaxW: 20 + 5*cores,
		dramIdleW: 0.1 * memGiB, dramMaxW: 0.18 * memGiB,
		platformOverheadW: 25,
		rng:               rand.New(rand.NewPCG(seed, uint64(len(n.Name))*7919)),
	}
	for _, p := range pods {
		req, _ := p.Requests.CPUCores()
		if req <= 0 {
			req = 0.1
		}
		pm := &podModel{
			uid: p.UID, name: p.Name, namespace: p.Namespace, requestCores: req,
			// Alumet's k8s plugin reads systemd-driver cgroup paths.
			cgroup:  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + strings.ReplaceAll(p.UID, "-", "_") + ".slice",
			phase:   m.rng.Float64() * 2 * math.Pi,
			periodS: 60 + m.rng.Float64()*540,
		}
		m.pods = append(m.pods, pm)
	}
	return m
}

// tick is one measurement interval's energy of a node and its pods.
type tick struct {
	packageJ, dramJ []float64 // per socket
	packageTotalJ   float64
	dramTotalJ      float64
	platformJ       []float64 // per socket (psys)
	platformTotalJ  float64
	podJ            []float64 // attributed energy per pod
	podCPUNs        []uint64
	containerJ      [][]float64
}

// step computes energy over dtS seconds at time tS (seconds since start).
func (m *nodeModel) step(tS, dtS float64, t *tick) {
	t.podJ, t.podCPUNs = t.podJ[:0], t.podCPUNs[:0]
	usedCores := 0.02 * m.cores // system daemons
	for _, p := range m.pods {
		// Each pod follows its own slow wave around 65 % of its request, with noise.
		load := 0.3 + 0.35*(1+math.Sin(2*math.Pi*tS/p.periodS+p.phase)) + 0.1*(m.rng.Float64()-0.5)
		u := p.requestCores * math.Max(0.02, load)
		usedCores += u
		t.podCPUNs = append(t.podCPUNs, uint64(u*dtS*1e9))
	}
	util := math.Min(1, usedCores/m.cores)
	pkgJ := (m.pkgIdleW + (m.pkgMaxW-m.pkgIdleW)*util) * dtS
	dramJ := (m.dramIdleW + (m.dramMaxW-m.dramIdleW)*util) * dtS
	t.packageJ, t.dramJ, t.platformJ = t.packageJ[:0], t.dramJ[:0], t.platformJ[:0]
	t.packageTotalJ, t.dramTotalJ, t.platformTotalJ = 0, 0, 0
	for s := 0; s < m.sockets; s++ {
		share := 1.0 / float64(m.sockets)
		if m.sockets == 2 {
			share = []float64{0.55, 0.45}[s]
		}
		pj, dj := pkgJ*share, dramJ*share
		t.packageJ, t.dramJ = append(t.packageJ, pj), append(t.dramJ, dj)
		t.packageTotalJ += pj
		t.dramTotalJ += dj
		plat := pj + dj + m.platformOverheadW*dtS*share
		t.platformJ = append(t.platformJ, plat)
		t.platformTotalJ += plat
	}
	// energy-attribution's documented formula: package_total × the pod's
	// share of the machine's CPU.
	for i := range m.pods {
		cpuS := float64(t.podCPUNs[i]) / 1e9
		t.podJ = append(t.podJ, t.packageTotalJ*cpuS/(m.cores*dtS))
	}
}
