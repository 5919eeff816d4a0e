package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func writeResults(dir string, res *Results) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), data, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "results.md"), []byte(markdown(res)), 0o644)
}

// summary condenses one run's scrapes.
type summary struct {
	scrapeP50S, scrapeMaxS, sizeMB float64
	ageP50S, ageMaxS, updatedMin   float64
	seriesMin, failed              int
}

func summarize(r *Run) summary {
	s := summary{updatedMin: -1, seriesMin: -1}
	var times []float64
	ok := 0
	for _, sc := range r.Scrapes {
		if sc.Error != "" {
			s.failed++
			times = append(times, sc.Seconds)
			continue
		}
		times = append(times, sc.Seconds)
		s.sizeMB = max(s.sizeMB, float64(sc.Bytes)/1e6)
		s.ageMaxS = max(s.ageMaxS, sc.AgeMaxS)
		s.ageP50S += sc.AgeP50S
		ok++
		if sc.Updated >= 0 && (s.updatedMin < 0 || sc.Updated < s.updatedMin) {
			s.updatedMin = sc.Updated
		}
		if s.seriesMin < 0 || sc.Series < s.seriesMin {
			s.seriesMin = sc.Series
		}
	}
	if ok > 0 {
		s.ageP50S /= float64(ok)
	}
	if len(times) > 0 {
		slices.Sort(times)
		s.scrapeP50S, s.scrapeMaxS = times[len(times)/2], times[len(times)-1]
	}
	return s
}

func markdown(res *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# bench-scale %s\n\n", res.Started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "%d nodes, %d pods, alumet-sim interval %s, alumetbridge flush %s, sci %s, %d CPUs",
		res.Nodes, res.Pods, res.SimInterval, res.Flush, res.SCI, res.CPUs)
	if res.GoMemLimit != "" {
		fmt.Fprintf(&b, ", GOMEMLIMIT=%s", res.GoMemLimit)
	}
	b.WriteString(".\n\n")
	b.WriteString("| pipeline | round | load avg (start→end) | CPU s/s | peak RSS | points/s in | datapoints/s exported | freshness: age p50 / max (s) | series updated each scrape (min) | fresh series / expected (min) | scrape time p50 / max (s) | scrape size (MB) | sci evaluation (s) | SCI visible after window end (s) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i := range res.Runs {
		r := &res.Runs[i]
		s := summarize(r)
		eval, visible := "—", "—"
		if r.EvaluationS > 0 {
			eval, visible = fmt.Sprintf("%.2f", r.EvaluationS), fmt.Sprintf("%.1f", r.VisibleAfterS)
		}
		scrapes := fmt.Sprintf("%.2f / %.2f", s.scrapeP50S, s.scrapeMaxS)
		if s.failed > 0 {
			scrapes += fmt.Sprintf(" (**%d of %d failed**)", s.failed, len(r.Scrapes))
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f→%.1f | %.3f | %.0f MiB | %.0f | %.0f | %.1f / %.1f (`%s`) | %s | %d / %d | %s | %.1f | %s | %s |\n",
			r.Pipeline, r.Round, r.LoadAvgStart, r.LoadAvgEnd, r.CPUPerS, float64(r.PeakRSSBytes)/(1<<20),
			r.PointsPerS, r.ExportedPerS, s.ageP50S, s.ageMaxS, r.FreshMetric, percent(s.updatedMin),
			s.seriesMin, r.ExpectSeries, scrapes, s.sizeMB, eval, visible)
	}
	b.WriteString("\n")
	for _, ratio := range ratios(res) {
		fmt.Fprintf(&b, "- round %d: CPU %s / pass-through = **%.2f**, peak RSS %s / pass-through = %.2f\n", ratio.round, ratio.pipeline, ratio.cpu, ratio.pipeline, ratio.rss)
	}
	for _, r := range res.Runs {
		if len(r.Windows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "- %s: sci windows during the measurement:", r.Pipeline)
		for _, k := range slices.Sorted(maps.Keys(r.Windows)) {
			fmt.Fprintf(&b, " %s %.0f;", k, r.Windows[k])
		}
		b.WriteString("\n")
	}
	b.WriteString("\nPipelines: `passthrough` = receivers → memory_limiter → batch → prometheus; `sci…` adds the sci processor (`-pods-X`: output.pods X; `-drop`: drop_inputs, the raw inputs are not re-exposed).\n")
	b.WriteString("\nCPU s/s: the collector's user+system CPU seconds per wall second over the measurement (alumet-sim, the load, runs in its own process: ")
	for i, r := range res.Runs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.3f", r.SimCPUPerS)
	}
	b.WriteString(" s/s). Peak RSS: VmHWM of the collector, startup included. Freshness: scrape time minus the sample's timestamp (for SCI, the end of its window, i.e. its newest measurement); SCI visible after window end = sci delay + mean evaluation time (the processor's own telemetry).\n")
	return b.String()
}

type ratio struct {
	round    int
	pipeline string
	cpu, rss float64
}

// ratios compares every sci variant with the pass-through of its round.
func ratios(res *Results) []ratio {
	var out []ratio
	for round := 0; ; round++ {
		var pass *Run
		var scis []*Run
		for i := range res.Runs {
			r := &res.Runs[i]
			if r.Round != round {
				continue
			}
			if r.Pipeline == "passthrough" {
				pass = r
			} else {
				scis = append(scis, r)
			}
		}
		if pass == nil && len(scis) == 0 {
			return out
		}
		if pass == nil || pass.CPUPerS <= 0 || pass.PeakRSSBytes <= 0 {
			continue
		}
		for _, s := range scis {
			out = append(out, ratio{round, s.Pipeline, s.CPUPerS / pass.CPUPerS, float64(s.PeakRSSBytes) / float64(pass.PeakRSSBytes)})
		}
	}
}

func percent(f float64) string {
	if f < 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f %%", 100*f)
}
