package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/semconv"
)

type config struct {
	nodes, podsPerNode, rounds    int
	pipelines                     string
	warmup, measure, scrapeEvery  time.Duration
	simInterval, flush            time.Duration
	window, interval, delay       time.Duration
	podsInOutput                  string
	dropInputs                    bool
	goMemLimit                    string
	otelcol, alumetSim, repo, out string
}

// Results is everything one invocation measured.
type Results struct {
	Started     time.Time `json:"started"`
	Nodes       int       `json:"nodes"`
	Pods        int       `json:"pods"`
	SimInterval string    `json:"sim_interval"`
	Flush       string    `json:"flush"`
	GoMemLimit  string    `json:"gomemlimit,omitempty"`
	SCI         string    `json:"sci"`
	CPUs        int       `json:"cpus"`
	Runs        []Run     `json:"runs"`
}

// Run is one pipeline's measurement.
type Run struct {
	Pipeline string `json:"pipeline"`
	Round    int    `json:"round"`
	// LoadAvg is /proc/loadavg's 1-minute figure at the start and end of
	// the measurement: other work on the machine.
	LoadAvgStart float64 `json:"load_avg_start"`
	LoadAvgEnd   float64 `json:"load_avg_end"`
	// CPUPerS is the collector's user+system CPU seconds per second over the measurement.
	CPUPerS float64 `json:"cpu_s_per_s"`
	// SimCPUPerS is alumet-sim's (the load generator's) over the same span.
	SimCPUPerS float64 `json:"sim_cpu_s_per_s"`
	// PeakRSSBytes is the collector's VmHWM at the end (whole run, startup included).
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	RSSBytes     int64 `json:"rss_bytes"`
	// PointsPerS is the Alumet measurement points the receiver accepted per
	// second; ExportedPerS the datapoints the exporter received per second.
	PointsPerS   float64 `json:"points_per_s"`
	ExportedPerS float64 `json:"exported_points_per_s"`
	// Scrapes of the Prometheus endpoint during the measurement.
	Scrapes []Scrape `json:"scrapes"`
	// EvaluationS is the sci processor's mean evaluation time (its own
	// telemetry); VisibleAfterS = delay + EvaluationS is how long after
	// the end of a window its SCI reaches the exporter: the freshness of
	// the newest measurement in it.
	EvaluationS float64 `json:"evaluation_s,omitempty"`
	// Windows are the sci processor's windows computed and unavailable
	// (by scope and reason) during the measurement.
	Windows       map[string]float64 `json:"windows,omitempty"`
	VisibleAfterS float64            `json:"visible_after_s,omitempty"`
	FreshMetric   string             `json:"fresh_metric"`
	ExpectSeries  int                `json:"expect_series"`
}

// Scrape is one GET of the exporter's /metrics.
type Scrape struct {
	At      time.Time `json:"at"`
	Seconds float64   `json:"seconds"`
	Bytes   int64     `json:"bytes"`
	Lines   int       `json:"lines"`
	Error   string    `json:"error,omitempty"`
	fresh
}

func run(cfg *config, log *slog.Logger) (*Results, error) {
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return nil, err
	}
	for _, p := range []*string{&cfg.otelcol, &cfg.alumetSim, &cfg.repo} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	for _, bin := range []string{cfg.otelcol, cfg.alumetSim} {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%s: %w (run `make build alumet-sim`)", bin, err)
		}
	}
	res := &Results{Started: time.Now().UTC(), Nodes: cfg.nodes, Pods: cfg.nodes * cfg.podsPerNode,
		SimInterval: cfg.simInterval.String(), Flush: cfg.flush.String(), CPUs: numCPU(), GoMemLimit: cfg.goMemLimit,
		SCI: fmt.Sprintf("window %v, interval %v, delay %v", cfg.window, cfg.interval, cfg.delay)}
	inventory := filepath.Join(cfg.out, "inventory.yaml")
	log.Info("generating inventory", "nodes", cfg.nodes, "pods", res.Pods)
	if err := writeInventory(cfg, inventory); err != nil {
		return nil, err
	}
	order := strings.Split(cfg.pipelines, ",")
	for _, p := range order {
		if _, err := parseVariant(cfg, p); err != nil {
			return nil, err
		}
	}
	for round := range cfg.rounds {
		for i := range order {
			p := order[i]
			if round%2 == 1 {
				p = order[len(order)-1-i]
			}
			log.Info("measuring", "pipeline", p, "round", round, "nodes", cfg.nodes, "pods", res.Pods)
			r, err := runPipeline(cfg, log, p, round, inventory)
			if err != nil {
				return nil, fmt.Errorf("pipeline %s round %d: %w", p, round, err)
			}
			res.Runs = append(res.Runs, *r)
		}
	}
	return res, nil
}

// writeInventory has alumet-sim generate the cluster and write it for the
// hardwarecatalog receiver; the simulator's later runs read it back, so
// both sides see the same nodes and pods.
func writeInventory(cfg *config, path string) error {
	cmd := exec.Command(cfg.alumetSim, "-nodes", strconv.Itoa(cfg.nodes), "-pods-per-node", strconv.Itoa(cfg.podsPerNode),
		"-write-inventory", path, "-relay", "127.0.0.1:1", "-duration", "1ms", "-log-pods", "0")
	cmd.Stderr = nil
	if out, err := cmd.CombinedOutput(); err != nil {
		if _, statErr := os.Stat(path); statErr != nil {
			return fmt.Errorf("alumet-sim -write-inventory: %w\n%s", err, tail(string(out), 2000))
		}
	}
	return nil
}

func runPipeline(cfg *config, log *slog.Logger, pipeline string, round int, inventory string) (*Run, error) {
	dir := filepath.Join(cfg.out, fmt.Sprintf("%s-%d", pipeline, round))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ports, err := freeAddrs(5)
	if err != nil {
		return nil, err
	}
	ep := endpoints{relay: ports[0], prometheus: ports[1], health: ports[2], pprof: ports[3], telemetry: ports[4]}
	v, err := parseVariant(cfg, pipeline)
	if err != nil {
		return nil, err
	}
	yaml, err := collectorConfig(cfg, v, inventory, ep)
	if err != nil {
		return nil, err
	}
	configPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(configPath, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	var env []string
	if cfg.goMemLimit != "" {
		env = append(env, "GOMEMLIMIT="+cfg.goMemLimit)
	}
	col, err := startProcess(dir, "otelcol", env, cfg.otelcol, "--config", configPath)
	if err != nil {
		return nil, err
	}
	defer col.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := waitHTTP(ctx, "http://"+ep.health+"/", col); err != nil {
		return nil, fmt.Errorf("collector not healthy: %w\n%s", err, col.Tail(40))
	}
	// The simulator runs until stopped (after the last scrape, however long
	// the scrapes take), so the load lasts the whole measurement.
	sim, err := startProcess(dir, "alumet-sim", nil, cfg.alumetSim, "-inventory", inventory,
		"-relay", ep.relay, "-interval", cfg.simInterval.String(), "-log-pods", "0")
	if err != nil {
		return nil, err
	}
	defer sim.Stop()

	r := &Run{Pipeline: pipeline, Round: round}
	// Freshness of what each pipeline adds: the node energy counters for
	// the pass-through, node and pod SCI for sci (roll-ups are left out so
	// the count can be checked against the cluster).
	freshMetric, expect := semconv.MetricHWHostEnergyPrometheus, cfg.nodes
	var skip []string
	if v.sci {
		freshMetric, expect = semconv.MetricSCIScorePrometheus, cfg.nodes+cfg.nodes*cfg.podsPerNode
		skip = []string{`eco_sci_scope="deployment"`, `eco_sci_scope="namespace"`}
		if v.pods == "none" {
			expect = cfg.nodes
		}
	}
	r.FreshMetric, r.ExpectSeries = freshMetric, expect
	if err := sleepWatching(cfg.warmup, col, sim); err != nil {
		return nil, err
	}
	telemetryURL := fmt.Sprintf("http://%s/metrics", ep.telemetry)
	startTel, err := readTelemetry(telemetryURL)
	if err != nil {
		return nil, fmt.Errorf("collector telemetry: %w", err)
	}
	startCPU, startSimCPU, began := cpuSeconds(col.Pid()), cpuSeconds(sim.Pid()), time.Now()
	r.LoadAvgStart = loadAvg()
	last := map[string]int64{}
	for next := began; time.Since(began) < cfg.measure; next = next.Add(cfg.scrapeEvery) {
		if err := sleepWatching(time.Until(next), col, sim); err != nil {
			return nil, err
		}
		s, err := scrape("http://"+ep.prometheus+"/metrics", freshMetric, skip, last)
		if err != nil {
			// A scrape the exporter cannot serve is a result, not the end of the run.
			s.Error = err.Error()
			s.Seconds = time.Since(s.At).Seconds()
			log.Warn("scrape failed", "pipeline", pipeline, "seconds", s.Seconds, "error", err)
			r.Scrapes = append(r.Scrapes, s)
			continue
		}
		log.Info("scrape", "pipeline", pipeline, "seconds", s.Seconds, "bytes", s.Bytes, "series", s.Series,
			"age_p50_s", s.AgeP50S, "age_max_s", s.AgeMaxS, "updated", s.Updated)
		r.Scrapes = append(r.Scrapes, s)
	}
	elapsed := time.Since(began).Seconds()
	if exited(sim) {
		return nil, fmt.Errorf("alumet-sim exited during the measurement:\n%s", sim.Tail(40))
	}
	r.CPUPerS = (cpuSeconds(col.Pid()) - startCPU) / elapsed
	r.SimCPUPerS = (cpuSeconds(sim.Pid()) - startSimCPU) / elapsed
	r.PeakRSSBytes, r.RSSBytes = memory(col.Pid())
	r.LoadAvgEnd = loadAvg()
	endTel, err := readTelemetry(telemetryURL)
	if err != nil {
		return nil, fmt.Errorf("collector telemetry: %w", err)
	}
	r.PointsPerS = (endTel.acceptedPoints - startTel.acceptedPoints) / elapsed
	r.ExportedPerS = (endTel.exportedPoints - startTel.exportedPoints) / elapsed
	for k, v := range endTel.windows {
		if d := v - startTel.windows[k]; d > 0 {
			if r.Windows == nil {
				r.Windows = map[string]float64{}
			}
			r.Windows[k] = d
		}
	}
	if n := endTel.evals - startTel.evals; n > 0 {
		r.EvaluationS = (endTel.evalS - startTel.evalS) / n
		r.VisibleAfterS = cfg.delay.Seconds() + r.EvaluationS
	}
	return r, nil
}

type endpoints struct{ relay, prometheus, health, pprof, telemetry string }

func freeAddrs(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	return out, nil
}

func waitHTTP(ctx context.Context, url string, p *e2e.Process) error {
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if exited(p) {
			return errors.New("process exited")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// sleepWatching sleeps for d, failing early when a process exits.
func sleepWatching(d time.Duration, ps ...*e2e.Process) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, p := range ps {
			if exited(p) {
				return fmt.Errorf("%s exited early:\n%s", p.Name, p.Tail(40))
			}
		}
		time.Sleep(min(time.Until(deadline), 500*time.Millisecond))
	}
	return nil
}

// startProcess starts a process of the benchmark, logging to dir/<name>.log.
// A collector holding a large cluster's state can take a while to shut
// down, hence the longer grace before SIGKILL.
func startProcess(dir, name string, env []string, bin string, args ...string) (*e2e.Process, error) {
	p, err := e2e.Start("", name, bin, args, env, filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	p.StopGrace = 30 * time.Second
	return p, nil
}

func exited(p *e2e.Process) bool {
	done, _ := p.Exited()
	return done
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
