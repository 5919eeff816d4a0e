// Command alumet-sim simulates the alumet-agents of a Kubernetes cluster:
// one relay client per node, speaking Alumet's relay protocol v2 to a relay
// server (the alumetbridge receiver) exactly as alumet-agent's relay-client
// plugin does — Greet, RegisterMetrics, then one SendMeasurements batch per
// interval with RAPL energy per socket and in total, and per pod the
// energy-attribution output and CPU time with the k8s plugin's attributes.
//
// It simulates the nodes and pods of a static cluster inventory
// (-inventory), or generates N nodes × M pods (-nodes, -pods-per-node) and
// can write that inventory (-write-inventory) for the hardwarecatalog
// receiver. At exit it logs the energy each node and pod sent (and writes
// them as JSON with -totals) so that what arrives downstream can be checked.
//
//	alumet-sim -inventory distribution/demo/cluster.yaml -relay 127.0.0.1:50051
//	alumet-sim -nodes 5000 -pods-per-node 30 -interval 10s -write-inventory cluster.yaml
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/ecotel/ecotel/internal/clusterinventory"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		slog.Error("alumet-sim failed", "error", err)
		os.Exit(1)
	}
}

type config struct {
	relay          string
	inventory      string
	writeInventory string
	nodes          int
	podsPerNode    int
	interval       time.Duration
	duration       time.Duration
	containers     bool
	platform       bool
	formula        string
	totalsPath     string
	logPods        int
	seed           uint64
	dialParallel   int
}

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("alumet-sim", flag.ContinueOnError)
	relay := os.Getenv("ECOTEL_RELAY_ENDPOINT")
	if relay == "" {
		relay = "127.0.0.1:50051"
	}
	fs.StringVar(&c.relay, "relay", relay, "relay server address (Alumet's relay_server); default $ECOTEL_RELAY_ENDPOINT or 127.0.0.1:50051")
	fs.StringVar(&c.inventory, "inventory", "", "static cluster inventory to simulate (internal/clusterinventory format)")
	fs.StringVar(&c.writeInventory, "write-inventory", "", "write the simulated cluster's inventory to this file")
	fs.IntVar(&c.nodes, "nodes", 0, "generate this many nodes (without -inventory)")
	fs.IntVar(&c.podsPerNode, "pods-per-node", 30, "pods per generated node")
	fs.DurationVar(&c.interval, "interval", time.Second, "measurement and send interval of every node")
	fs.DurationVar(&c.duration, "duration", 0, "stop after this long (0: run until SIGINT/SIGTERM)")
	fs.BoolVar(&c.containers, "containers", false, "also send container-level attributed energy (2 containers per pod)")
	fs.BoolVar(&c.platform, "platform", false, "also send RAPL platform (psys) domains; host energy is then platform_total")
	fs.StringVar(&c.formula, "formula", "attributed_energy", "energy-attribution formula name (the attributed metric's name)")
	fs.StringVar(&c.totalsPath, "totals", "", "write what was sent, per node and per pod, as JSON to this file at exit")
	fs.IntVar(&c.logPods, "log-pods", 200, "log per-pod totals at exit when there are at most this many pods")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (generated inventory, load curves)")
	fs.IntVar(&c.dialParallel, "dial-parallel", 128, "connections opened at once (startup of large clusters)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.interval <= 0 {
		return nil, fmt.Errorf("-interval must be positive")
	}
	if c.inventory == "" && c.nodes <= 0 {
		return nil, errNoNodes
	}
	return c, nil
}

// totalsFile is the JSON written with -totals.
type totalsFile struct {
	Relay    string                `json:"relay"`
	Started  time.Time             `json:"started"`
	Stopped  time.Time             `json:"stopped"`
	Interval string                `json:"interval"`
	Nodes    map[string]nodeTotals `json:"nodes"`
	Pods     map[string]podTotals  `json:"pods"`
}

func run(args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var inv *clusterinventory.Inventory
	if cfg.inventory != "" {
		if inv, err = clusterinventory.Load(cfg.inventory); err != nil {
			return err
		}
	} else {
		inv = generateInventory(cfg.nodes, cfg.podsPerNode, cfg.seed)
	}
	if cfg.writeInventory != "" {
		if err := inv.WriteFile(cfg.writeInventory); err != nil {
			return fmt.Errorf("write inventory: %w", err)
		}
		log.Info("inventory written", "file", cfg.writeInventory, "nodes", len(inv.Nodes), "pods", len(inv.Pods))
		// Encoding a 150,000-pod inventory leaves ~1 GB of garbage; give it
		// back before thousands of connections start.
		debug.FreeOSMemory()
	}
	if len(inv.Nodes) == 0 {
		return errNoNodes
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	opt := &options{relay: cfg.relay, interval: cfg.interval, containers: cfg.containers, platform: cfg.platform,
		formula: cfg.formula, version: "0.9.5", dialSem: make(chan struct{}, max(1, cfg.dialParallel)), start: time.Now()}
	podsByNode := map[string][]clusterinventory.Pod{}
	for _, p := range inv.Pods {
		podsByNode[p.Node] = append(podsByNode[p.Node], p)
	}
	nodes := make([]*simNode, 0, len(inv.Nodes))
	for i, n := range inv.Nodes {
		nodes = append(nodes, newSimNode(newNodeModel(n, podsByNode[n.Name], cfg.seed+uint64(i)), opt, log))
	}
	log.Info("simulating Alumet relay clients", "relay", cfg.relay, "nodes", len(nodes), "pods", len(inv.Pods),
		"interval", cfg.interval, "containers", cfg.containers, "platform", cfg.platform)
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); n.run(ctx) }()
	}
	<-ctx.Done()
	wg.Wait()
	return report(log, cfg, opt, nodes)
}

// report logs and writes what every node and pod sent.
func report(log *slog.Logger, cfg *config, opt *options, nodes []*simNode) error {
	out := totalsFile{Relay: cfg.relay, Started: opt.start, Stopped: time.Now(), Interval: cfg.interval.String(),
		Nodes: map[string]nodeTotals{}, Pods: map[string]podTotals{}}
	var hostJ, podJ float64
	var frames, points int64
	for _, n := range nodes {
		out.Nodes[n.m.name] = n.totals
		hostJ += n.totals.HostJ
		frames += n.totals.Frames
		points += n.totals.Points
		for i, p := range n.m.pods {
			out.Pods[p.uid] = n.pods[i]
			podJ += n.pods[i].EnergyJ
		}
	}
	for _, name := range slices.Sorted(maps.Keys(out.Nodes)) {
		t := out.Nodes[name]
		log.Info("sent node energy", "node", name, "host_energy_j", t.HostJ, "domain", t.HostDomain,
			"package_total_j", t.PackageTotalJ, "dram_total_j", t.DRAMTotalJ, "frames", t.Frames, "sessions", t.Sessions)
	}
	if len(out.Pods) <= cfg.logPods {
		for _, uid := range slices.Sorted(maps.Keys(out.Pods)) {
			p := out.Pods[uid]
			log.Info("sent pod energy", "pod_uid", uid, "pod", p.Namespace+"/"+p.Name, "node", p.Node, "energy_j", p.EnergyJ, "cpu_time_s", p.CPUTimeS)
		}
	}
	log.Info("sent in total", "nodes", len(nodes), "pods", len(out.Pods), "host_energy_j", hostJ, "pod_energy_j", podJ,
		"frames", frames, "points", points, "seconds", out.Stopped.Sub(out.Started).Seconds())
	if cfg.totalsPath != "" {
		data, err := json.MarshalIndent(out, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.totalsPath, data, 0o644); err != nil {
			return fmt.Errorf("write totals: %w", err)
		}
	}
	return nil
}
