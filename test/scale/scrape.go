package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fresh describes the freshness of one metric's series in a scrape.
type fresh struct {
	// Series is how many series of the metric the scrape held.
	Series int `json:"series"`
	// AgeP50S and AgeMaxS: scrape time minus the series' sample timestamp
	// (for SCI, the end of the window it covers: the newest measurement in
	// it), median and worst over the series.
	AgeP50S float64 `json:"age_p50_s"`
	AgeMaxS float64 `json:"age_max_s"`
	// Updated is the share of series whose timestamp advanced since the
	// previous scrape (−1 at the first scrape).
	Updated float64 `json:"updated"`
}

// scrape GETs the exporter's endpoint, timing the whole body, and measures
// the freshness of the series of metric, leaving out lines that contain
// any of skip. last holds each series' previous timestamp (ms) and is
// updated.
func scrape(url, metric string, skip []string, last map[string]int64) (Scrape, error) {
	s := Scrape{At: time.Now()}
	resp, err := http.Get(url)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	nowMs := s.At.UnixMilli()
	var ages []float64
	updated, seen := 0, 0
	counted := &countingReader{r: resp.Body}
	sc := bufio.NewScanner(counted)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		s.Lines++
		if !strings.HasPrefix(line, metric) || len(line) == len(metric) || (line[len(metric)] != '{' && line[len(metric)] != ' ') {
			continue
		}
		if slices.ContainsFunc(skip, func(sub string) bool { return strings.Contains(line, sub) }) {
			continue
		}
		// name{labels} value timestamp
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		ts, err := strconv.ParseInt(line[i+1:], 10, 64)
		if err != nil {
			return s, fmt.Errorf("%s has no timestamp (the exporter needs send_timestamps: true): %q", metric, line)
		}
		key := line[:strings.LastIndexByte(line[:i], ' ')]
		ages = append(ages, float64(nowMs-ts)/1e3)
		if prev, ok := last[key]; ok {
			seen++
			if ts > prev {
				updated++
			}
		}
		last[key] = ts
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	s.Seconds = time.Since(s.At).Seconds()
	s.Bytes = counted.n
	s.Series = len(ages)
	s.Updated = -1
	if seen > 0 {
		s.Updated = float64(updated) / float64(seen)
	}
	if len(ages) > 0 {
		slices.Sort(ages)
		s.AgeP50S, s.AgeMaxS = ages[len(ages)/2], ages[len(ages)-1]
	}
	return s, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// telemetry is what is read from the collector's own metrics.
type telemetry struct {
	// acceptedPoints: Alumet measurement points the alumetbridge receiver accepted.
	acceptedPoints float64
	// exportedPoints: datapoints the exporters were sent.
	exportedPoints float64
	// evalS and evals: the sci processor's evaluation time histogram's sum and count.
	evalS, evals float64
	// windows: the sci processor's windows computed and unavailable, by
	// their label set ("computed{eco_sci_scope=\"node\"}", …).
	windows map[string]float64
}

func readTelemetry(url string) (telemetry, error) {
	t := telemetry{windows: map[string]float64{}}
	resp, err := http.Get(url)
	if err != nil {
		return t, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var dst *float64
		switch {
		case strings.HasPrefix(line, "otelcol_processor_sci_windows_"):
			i := strings.LastIndexByte(line, ' ')
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				t.windows[strings.TrimPrefix(line[:i], "otelcol_processor_sci_windows_")] = v
			}
			continue
		case strings.HasPrefix(line, "otelcol_receiver_alumetbridge_points") && strings.Contains(line, `outcome="accepted"`):
			dst = &t.acceptedPoints
		case strings.HasPrefix(line, "otelcol_exporter_sent_metric_points"):
			dst = &t.exportedPoints
		case strings.HasPrefix(line, "otelcol_processor_sci_evaluation_duration_sum"):
			dst = &t.evalS
		case strings.HasPrefix(line, "otelcol_processor_sci_evaluation_duration_count"):
			dst = &t.evals
		default:
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			*dst += v
		}
	}
	return t, sc.Err()
}
