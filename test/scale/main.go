// Command scale is `make bench-scale`: it runs the same simulated cluster —
// alumet-sim playing N nodes' Alumet agents (relay protocol, 5 s flush), the
// entsoe receiver replaying the demo's recorded zones, the hardwarecatalog
// receiver on the static inventory of those N nodes — through one otelcol-eco
// gateway twice, once with the sci processor and once through a pass-through
// pipeline (same receivers, batch and Prometheus exporter, no sci), one
// after the other in one invocation (alternating order over -rounds), and
// writes for each: CPU seconds per second, peak RSS, points/s, freshness of
// the newest value on the Prometheus endpoint, and the exporter's scrape time
// and size. The ratio sci / pass-through of CPU is the headline.
//
//	go run ./test/scale -nodes 5000 -pods-per-node 30 -out _build/bench-scale
//
// See BENCHMARKS.md ("Scale") for the method and scripts/bench-scale.sh for
// the full run.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	res, err := run(cfg, log)
	if err != nil {
		log.Error("bench-scale failed", "error", err)
		os.Exit(1)
	}
	if err := writeResults(cfg.out, res); err != nil {
		log.Error("write results", "error", err)
		os.Exit(1)
	}
	log.Info("results written", "markdown", filepath.Join(cfg.out, "results.md"), "json", filepath.Join(cfg.out, "results.json"))
}

func parseFlags(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.IntVar(&c.nodes, "nodes", 5000, "simulated nodes")
	fs.IntVar(&c.podsPerNode, "pods-per-node", 30, "pods per node")
	fs.StringVar(&c.pipelines, "pipelines", "sci,passthrough", "pipelines to run, in the first round's order")
	fs.IntVar(&c.rounds, "rounds", 1, "how many times each pipeline runs (the order alternates)")
	fs.DurationVar(&c.warmup, "warmup", 100*time.Second, "time from the simulator's start to the first measurement (covers the first SCI window)")
	fs.DurationVar(&c.measure, "measure", 120*time.Second, "measurement span")
	fs.DurationVar(&c.scrapeEvery, "scrape-interval", 15*time.Second, "how often the exporter is scraped during the measurement")
	fs.DurationVar(&c.simInterval, "sim-interval", 5*time.Second, "alumet-sim send interval per node")
	fs.DurationVar(&c.flush, "flush", 5*time.Second, "alumetbridge flush_interval")
	fs.DurationVar(&c.window, "window", 60*time.Second, "sci window")
	fs.DurationVar(&c.interval, "interval", 15*time.Second, "sci interval")
	fs.DurationVar(&c.delay, "delay", 10*time.Second, "sci delay")
	fs.StringVar(&c.podsInOutput, "sci-pods", "full", "sci output.pods: full, score or none")
	fs.BoolVar(&c.dropInputs, "sci-drop-inputs", false, "sci drop_inputs")
	fs.StringVar(&c.goMemLimit, "gomemlimit", "", "GOMEMLIMIT of the collector (e.g. 900MiB; empty: unset)")
	fs.StringVar(&c.otelcol, "otelcol", "_build/otelcol-eco", "otelcol-eco binary")
	fs.StringVar(&c.alumetSim, "alumet-sim", "bin/alumet-sim", "alumet-sim binary")
	fs.StringVar(&c.repo, "repo", ".", "repository root (replay data and catalog)")
	fs.StringVar(&c.out, "out", "_build/bench-scale", "directory for results, configs and logs")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.nodes <= 0 || c.podsPerNode < 0 || c.rounds <= 0 || c.measure <= 0 || c.scrapeEvery <= 0 {
		return nil, fmt.Errorf("-nodes, -rounds, -measure and -scrape-interval must be positive, -pods-per-node not negative")
	}
	return c, nil
}
