package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"math"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/clusterinventory"
	"github.com/ecotel/ecotel/pkg/alumetrelay"
)

func TestGeneratedInventoryIsValid(t *testing.T) {
	inv := generateInventory(20, 30, 7)
	if err := inv.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(inv.Nodes) != 20 || len(inv.Pods) != 600 {
		t.Fatalf("%d nodes, %d pods", len(inv.Nodes), len(inv.Pods))
	}
	for _, n := range inv.Nodes {
		var req float64
		alloc, _ := n.Allocatable.CPUCores()
		for _, p := range inv.Pods {
			if p.Node == n.Name {
				c, _ := p.Requests.CPUCores()
				req += c
			}
		}
		if req > alloc {
			t.Errorf("node %s: requests %v > allocatable %v", n.Name, req, alloc)
		}
	}
	if again := generateInventory(20, 30, 7); again.Pods[599].UID != inv.Pods[599].UID {
		t.Error("generation is not deterministic for a seed")
	}
}

// relaySink is a minimal relay server: it answers the Greet and sums what
// every frame carries, decoded with the same codec the receiver uses.
type relaySink struct {
	mu      sync.Mutex
	metrics map[uint64]string
	sums    map[string]float64 // by metric/domain or metric/pod uid
	order   []alumetrelay.MessageKind
}

func (s *relaySink) serve(t *testing.T, ln net.Listener) {
	conn, err := ln.Accept()
	if err != nil {
		return
	}
	defer conn.Close()
	fr := alumetrelay.NewFrameReader(bufio.NewReader(conn), alumetrelay.MaxMessageBodySize)
	for {
		body, _, err := fr.Next()
		if err != nil {
			if err != io.EOF {
				t.Log(err)
			}
			return
		}
		b, err := alumetrelay.ParseBody(body)
		if err != nil {
			t.Error(err)
			return
		}
		s.mu.Lock()
		s.order = append(s.order, b.Kind)
		switch b.Kind {
		case alumetrelay.KindGreet:
			fr.SetSender(string(b.Sender))
			_, _ = conn.Write(alumetrelay.AppendGreetResponse(nil, "", alumetrelay.GreetResponse{Accept: true, ProtocolVersion: 2}))
		case alumetrelay.KindRegisterMetrics:
			ms, _ := alumetrelay.DecodeRegisterMetrics(b.Payload, nil)
			for _, m := range ms {
				s.metrics[m.ID] = m.Name
			}
		case alumetrelay.KindSendMeasurements:
			ps, err := alumetrelay.DecodeSendMeasurements(b.Payload)
			if err != nil {
				t.Error(err)
			}
			for _, p := range ps {
				key := s.metrics[p.MetricID] + "/"
				for _, a := range p.Attributes {
					if a.Key == "domain" && p.ResourceKind == "local_machine" && p.ConsumerKind == "local_machine" {
						key += a.Value.Str
					}
					if a.Key == "uid" {
						key += a.Value.Str
					}
				}
				if p.ConsumerID != "" && len(p.ConsumerID) > 90 && p.ConsumerID[len(p.ConsumerID)-6:] == ".scope" {
					key += "/container"
				}
				v := p.Value.F64
				if p.Value.Kind == alumetrelay.ValueU64 {
					v = float64(p.Value.U64) / 1e9
				}
				s.sums[key] += v
			}
		}
		s.mu.Unlock()
	}
}

// TestSimulatedNodeTotalsMatchWhatWasSent runs one simulated node against a
// minimal relay server and checks the totals it reports against the sums
// of what the server decoded.
func TestSimulatedNodeTotalsMatchWhatWasSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sink := &relaySink{metrics: map[uint64]string{}, sums: map[string]float64{}}
	done := make(chan struct{})
	go func() { defer close(done); sink.serve(t, ln) }()

	inv := generateInventory(1, 3, 1)
	opt := &options{relay: ln.Addr().String(), interval: 20 * time.Millisecond, containers: true, platform: true,
		formula: "attributed_energy", version: "0.9.5", dialSem: make(chan struct{}, 1), start: time.Now()}
	n := newSimNode(newNodeModel(inv.Nodes[0], inv.Pods, 1), opt, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	n.run(ctx)
	ln.Close()
	<-done

	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.order) < 3 || sink.order[0] != alumetrelay.KindGreet || sink.order[1] != alumetrelay.KindRegisterMetrics {
		t.Fatalf("conversation %v", sink.order)
	}
	if n.totals.Frames < 5 || n.totals.Sessions != 1 {
		t.Fatalf("frames %d sessions %d", n.totals.Frames, n.totals.Sessions)
	}
	eq := func(what string, got, want float64) {
		if math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Errorf("%s: server decoded %v, simulator reports %v", what, got, want)
		}
	}
	eq("platform_total", sink.sums["rapl_consumed_energy/platform_total"], n.totals.PlatformTotalJ)
	eq("host energy", sink.sums["rapl_consumed_energy/platform_total"], n.totals.HostJ)
	eq("package_total", sink.sums["rapl_consumed_energy/package_total"], n.totals.PackageTotalJ)
	for i, p := range n.m.pods {
		eq("pod "+p.uid, sink.sums["attributed_energy/"+p.uid], n.pods[i].EnergyJ)
		eq("pod cpu "+p.uid, sink.sums["cpu_time_delta/"+p.uid], n.pods[i].CPUTimeS)
		var containers float64
		for _, j := range n.pods[i].Containers {
			containers += j
		}
		eq("containers "+p.uid, sink.sums["attributed_energy/"+p.uid+"/container"], containers)
		if n.pods[i].EnergyJ <= 0 {
			t.Errorf("pod %s sent no energy", p.uid)
		}
	}
	// Attributed energy never exceeds the package energy it is a share of.
	var pods float64
	for _, p := range n.pods {
		pods += p.EnergyJ
	}
	if pods > n.totals.PackageTotalJ {
		t.Errorf("pods %v J > package %v J", pods, n.totals.PackageTotalJ)
	}
}

func TestInventoryRoundTrip(t *testing.T) {
	path := t.TempDir() + "/inv.yaml"
	if err := run([]string{"-nodes", "2", "-pods-per-node", "2", "-write-inventory", path, "-duration", "1ms", "-relay", "127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	inv, err := clusterinventory.Load(path)
	if err != nil || len(inv.Nodes) != 2 || len(inv.Pods) != 4 {
		t.Fatalf("%v %+v", err, inv)
	}
}
