package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
)

// options shared by every simulated node.
type options struct {
	relay      string
	interval   time.Duration
	containers bool
	platform   bool
	formula    string
	version    string
	dialSem    chan struct{}
	start      time.Time
}

// nodeTotals is what one simulated node sent and saw acknowledged by a
// successful write, in the units the receiver emits.
type nodeTotals struct {
	PackageTotalJ  float64 `json:"package_total_j"`
	DRAMTotalJ     float64 `json:"dram_total_j"`
	PlatformTotalJ float64 `json:"platform_total_j,omitempty"`
	// HostJ is what hw.host.energy must show: platform_total when sent,
	// else package_total + dram_total.
	HostJ      float64 `json:"host_energy_j"`
	HostDomain string  `json:"host_domain"`
	Frames     int64   `json:"frames"`
	Points     int64   `json:"points"`
	Sessions   int     `json:"sessions"`
}

type podTotals struct {
	Name       string             `json:"name"`
	Namespace  string             `json:"namespace"`
	Node       string             `json:"node"`
	EnergyJ    float64            `json:"energy_j"`
	CPUTimeS   float64            `json:"cpu_time_s"`
	Containers map[string]float64 `json:"containers,omitempty"`
}

// simNode is one simulated alumet-agent relay client.
type simNode struct {
	m      *nodeModel
	opt    *options
	log    *slog.Logger
	totals nodeTotals
	pods   []podTotals

	points []alumetrelay.Point
	buf    []byte
	tk     tick
	// pending values of the frame being written, committed on success
	pend tick
}

func newSimNode(m *nodeModel, opt *options, log *slog.Logger) *simNode {
	n := &simNode{m: m, opt: opt, log: log.With("node", m.name)}
	n.totals.HostDomain = "package_total+dram_total"
	if opt.platform {
		n.totals.HostDomain = "platform_total"
	}
	for i, p := range m.pods {
		n.pods = append(n.pods, podTotals{Name: p.name, Namespace: p.namespace, Node: m.name})
		// The k8s plugin's attributes, in its order, after energy-attribution's.
		k8s := []alumetrelay.Attribute{attr("uid", p.uid), attr("name", p.name), attr("namespace", p.namespace), attr("node", m.name)}
		p.energyAttrs = append([]alumetrelay.Attribute{attr("domain", "package_total"), attr("kind", "total")}, k8s...)
		p.cpuAttrs = append([]alumetrelay.Attribute{attr("kind", "total")}, k8s...)
		if opt.containers {
			n.pods[i].Containers = map[string]float64{}
			for c := 0; c < 2; c++ {
				id := fmt.Sprintf("%s%02d%s", strings.ReplaceAll(p.uid, "-", ""), c, "c0ffee")
				p.containers = append(p.containers, id)
				p.containerCgroups = append(p.containerCgroups, p.cgroup+"/cri-containerd-"+id+".scope")
			}
		}
	}
	return n
}

func (n *simNode) registered() []alumetrelay.Metric {
	return []alumetrelay.Metric{
		{ID: metricRAPL, Name: "rapl_consumed_energy", ValueType: alumetrelay.ValueTypeF64, Unit: alumetrelay.Unit{Base: "J"}},
		{ID: metricAttributed, Name: n.opt.formula, ValueType: alumetrelay.ValueTypeF64, Unit: alumetrelay.Unit{Base: "J"}},
		{ID: metricCPUTime, Name: "cpu_time_delta", ValueType: alumetrelay.ValueTypeU64, Unit: alumetrelay.Unit{Base: "s", Prefix: "nano"}},
	}
}

// run connects, greets, registers and sends one batch per interval until
// ctx ends, reconnecting with backoff as Alumet's relay client does.
func (n *simNode) run(ctx context.Context) {
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := n.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			n.log.Warn("relay connection failed; retrying", "error", err, "in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 4*time.Second)
			continue
		}
		backoff = 500 * time.Millisecond
		n.totals.Sessions++
		if n.totals.Sessions > 1 {
			n.log.Warn("reconnected: the receiver restarts this node's counters, so its totals now span sessions")
		}
		err = n.sendLoop(ctx, conn)
		conn.Close()
		if err != nil && ctx.Err() == nil {
			n.log.Warn("relay connection lost", "error", err)
		}
	}
}

func (n *simNode) connect(ctx context.Context) (net.Conn, error) {
	select {
	case n.opt.dialSem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-n.opt.dialSem }()
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", n.opt.relay)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	n.buf = alumetrelay.AppendGreet(n.buf[:0], n.m.name, alumetrelay.Greet{
		AlumetCoreVersion: n.opt.version, RelayPluginVersion: "0.6.0", ProtocolVersion: alumetrelay.ProtocolVersion,
	})
	if _, err := conn.Write(n.buf); err != nil {
		conn.Close()
		return nil, fmt.Errorf("send Greet: %w", err)
	}
	fr := alumetrelay.NewFrameReader(bufio.NewReader(conn), 1<<16)
	body, _, err := fr.Next()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("read GreetResponse: %w", err)
	}
	b, err := alumetrelay.ParseBody(body)
	if err != nil || b.Kind != alumetrelay.KindGreetResponse {
		conn.Close()
		return nil, fmt.Errorf("read GreetResponse: not a GreetResponse (%v)", err)
	}
	resp, err := alumetrelay.DecodeGreetResponse(b.Payload)
	if err != nil || !resp.Accept {
		conn.Close()
		return nil, fmt.Errorf("relay server refused the Greet (accept=%v, server protocol %d): %v", resp.Accept, resp.ProtocolVersion, err)
	}
	n.buf = alumetrelay.AppendRegisterMetrics(n.buf[:0], n.m.name, n.registered())
	if _, err := conn.Write(n.buf); err != nil {
		conn.Close()
		return nil, fmt.Errorf("send RegisterMetrics: %w", err)
	}
	_ = conn.SetDeadline(time.Time{})
	// Like Alumet's client, never read again; drain anyway so a server that
	// writes does not block.
	go func() { _, _ = io.Copy(io.Discard, conn) }()
	return conn, nil
}

func (n *simNode) sendLoop(ctx context.Context, conn net.Conn) error {
	// Spread nodes over the interval so the receiver does not see bursts.
	phase := time.Duration(n.m.rng.Int64N(int64(n.opt.interval)))
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(phase):
	}
	t := time.NewTicker(n.opt.interval)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			dt := now.Sub(last).Seconds()
			last = now
			n.m.step(now.Sub(n.opt.start).Seconds(), dt, &n.tk)
			frame := n.encode(now)
			_ = conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := conn.Write(frame); err != nil {
				return err
			}
			n.commit()
		}
	}
}

func attr(k, v string) alumetrelay.Attribute {
	return alumetrelay.Attribute{Key: k, Value: alumetrelay.StrValue(v)}
}

// encode builds the SendMeasurements frame of the current tick.
func (n *simNode) encode(now time.Time) []byte {
	secs, nanos := uint64(now.Unix()), uint32(now.Nanosecond())
	ps := n.points[:0]
	rapl := func(resKind, resID, domain string, j float64) {
		ps = append(ps, alumetrelay.Point{MetricID: metricRAPL, Secs: secs, Nanos: nanos, Value: alumetrelay.F64Value(j),
			ResourceKind: resKind, ResourceID: resID, ConsumerKind: "local_machine",
			Attributes: []alumetrelay.Attribute{attr("domain", domain)}})
	}
	tk := &n.tk
	for s := range tk.packageJ {
		id := fmt.Sprint(s)
		rapl("cpu_package", id, "package", tk.packageJ[s])
		rapl("dram", id, "dram", tk.dramJ[s])
		if n.opt.platform {
			rapl("local_machine", "", "platform", tk.platformJ[s])
		}
	}
	rapl("local_machine", "", "package_total", tk.packageTotalJ)
	rapl("local_machine", "", "dram_total", tk.dramTotalJ)
	if n.opt.platform {
		rapl("local_machine", "", "platform_total", tk.platformTotalJ)
	}
	tk.containerJ = tk.containerJ[:0]
	for i, p := range n.m.pods {
		ps = append(ps,
			alumetrelay.Point{MetricID: metricAttributed, Secs: secs, Nanos: nanos, Value: alumetrelay.F64Value(tk.podJ[i]),
				ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: p.cgroup, Attributes: p.energyAttrs},
			alumetrelay.Point{MetricID: metricCPUTime, Secs: secs, Nanos: nanos, Value: alumetrelay.U64Value(tk.podCPUNs[i]),
				ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: p.cgroup, Attributes: p.cpuAttrs})
		if n.opt.containers {
			first := tk.podJ[i] * 0.6
			cj := []float64{first, tk.podJ[i] - first}
			tk.containerJ = append(tk.containerJ, cj)
			for c := range p.containers {
				ps = append(ps, alumetrelay.Point{MetricID: metricAttributed, Secs: secs, Nanos: nanos, Value: alumetrelay.F64Value(cj[c]),
					ResourceKind: "local_machine", ConsumerKind: "cgroup", ConsumerID: p.containerCgroups[c], Attributes: p.energyAttrs})
			}
		}
	}
	n.points = ps
	n.buf = alumetrelay.AppendSendMeasurements(n.buf[:0], n.m.name, ps)
	return n.buf
}

// commit adds the frame just written to the totals.
func (n *simNode) commit() {
	tk := &n.tk
	t := &n.totals
	t.Frames++
	t.Points += int64(len(n.points))
	t.PackageTotalJ += tk.packageTotalJ
	t.DRAMTotalJ += tk.dramTotalJ
	if n.opt.platform {
		t.PlatformTotalJ += tk.platformTotalJ
		t.HostJ += tk.platformTotalJ
	} else {
		t.HostJ += tk.packageTotalJ + tk.dramTotalJ
	}
	for i, p := range n.m.pods {
		pt := &n.pods[i]
		pt.EnergyJ += tk.podJ[i]
		pt.CPUTimeS += float64(tk.podCPUNs[i]) / 1e9
		if n.opt.containers {
			for c, id := range p.containers {
				pt.Containers[id] += tk.containerJ[i][c]
			}
		}
	}
}

var errNoNodes = errors.New("no nodes to simulate: give -inventory FILE or -nodes N")
