package ecostatusextension

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/ecotel/ecotel/internal/ecostatus"
	"github.com/ecotel/ecotel/semconv"
)

// fuelColors give each fuel a stable colour in the mix bars.
var fuelColors = map[string]string{
	semconv.AttrGridFuelCoal: "#4d4d4d", semconv.AttrGridFuelGas: "#e8a23b", semconv.AttrGridFuelOil: "#8c564b",
	semconv.AttrGridFuelBiomass: "#7f9c3a", semconv.AttrGridFuelNuclear: "#9467bd", semconv.AttrGridFuelHydro: "#1f77b4",
	semconv.AttrGridFuelHydroStorage: "#6baed6", semconv.AttrGridFuelBatteryStorage: "#17becf", semconv.AttrGridFuelWind: "#2ca02c",
	semconv.AttrGridFuelSolar: "#f5c518", semconv.AttrGridFuelGeothermal: "#d62728", semconv.AttrGridFuelUnknown: "#bbbbbb",
}

type pageData struct {
	Generated string
	Sources   []string
	Zones     []zoneRow
	Nodes     []nodeRow
	Pods      []ecostatus.Pod
	PodsShown int
	PodsTotal int
	Fuels     []legendEntry
	Metrics   map[string]string
}

type zoneRow struct {
	ecostatus.Zone
	MixBar template.HTML
}

type nodeRow struct {
	ecostatus.Node
	Rank int
	Bar  template.HTML
}

type legendEntry struct{ Fuel, Color string }

func newPageData(s ecostatus.Snapshot, sources []string, topPods int, now time.Time) pageData {
	d := pageData{
		Generated: now.UTC().Format(time.RFC3339),
		Sources:   sources,
		PodsTotal: len(s.Pods),
		Metrics: map[string]string{
			"intensity": semconv.MetricGridCarbonIntensityPrometheus,
			"mix":       semconv.MetricGridGenerationPrometheus,
			"price":     semconv.MetricGridPriceDayAheadPrometheus,
			"age":       semconv.MetricGridDataAgePrometheus,
			"rank":      semconv.MetricNodeCarbonPerVCPUPrometheus,
			"sci":       semconv.MetricSCIScorePrometheus,
			"energy":    semconv.MetricSCIEnergyPrometheus,
			"embodied":  semconv.MetricSCIEmbodiedPrometheus,
		},
	}
	seenFuel := map[string]bool{}
	for _, z := range s.Zones {
		d.Zones = append(d.Zones, zoneRow{Zone: z, MixBar: mixBar(z.Mix)})
		for _, m := range z.Mix {
			if !seenFuel[m.Fuel] {
				seenFuel[m.Fuel] = true
				d.Fuels = append(d.Fuels, legendEntry{m.Fuel, colorOf(m.Fuel)})
			}
		}
	}
	worst := 0.0
	for _, n := range s.Nodes {
		if n.CarbonPerVCPUGPerHour != nil {
			worst = math.Max(worst, *n.CarbonPerVCPUGPerHour)
		}
	}
	for i, n := range s.Nodes {
		d.Nodes = append(d.Nodes, nodeRow{Node: n, Rank: i + 1, Bar: rankBar(n.CarbonPerVCPUGPerHour, worst)})
	}
	d.Pods = s.Pods
	if len(d.Pods) > topPods {
		d.Pods = d.Pods[:topPods]
	}
	d.PodsShown = len(d.Pods)
	return d
}

func colorOf(fuel string) string {
	if c, ok := fuelColors[fuel]; ok {
		return c
	}
	return fuelColors[semconv.AttrGridFuelUnknown]
}

// mixBar draws the generation mix as one stacked horizontal SVG bar.
func mixBar(mix []ecostatus.FuelMW) template.HTML {
	total := 0.0
	for _, m := range mix {
		total += math.Max(m.MW, 0)
	}
	if total <= 0 {
		return ""
	}
	const width, height = 260.0, 14.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="mix" width="%g" height="%g" role="img" aria-label="generation mix">`, width, height)
	x := 0.0
	for _, m := range mix {
		w := math.Max(m.MW, 0) / total * width
		if w <= 0 {
			continue
		}
		fmt.Fprintf(&b, `<rect x="%.2f" y="0" width="%.2f" height="%g" fill="%s"><title>%s: %.0f MW (%.1f %%)</title></rect>`,
			x, w, height, colorOf(m.Fuel), template.HTMLEscapeString(m.Fuel), m.MW, 100*m.MW/total)
		x += w
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- built from numbers and escaped fuel names
}

// rankBar draws a node's ranking signal relative to the worst node.
func rankBar(v *float64, worst float64) template.HTML {
	if v == nil || worst <= 0 {
		return ""
	}
	const width = 160.0
	w := math.Max(*v/worst*width, 1)
	hue := 120 * (1 - *v/worst)                                                                                                                                    // green for the best, red for the worst
	return template.HTML(fmt.Sprintf(`<svg class="rank" width="%g" height="12"><rect width="%.2f" height="12" fill="hsl(%.0f,60%%,45%%)"/></svg>`, width, w, hue)) // #nosec G203
}

var funcs = template.FuncMap{
	"num": func(v *float64, digits int) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%.*f", digits, *v)
	},
	"pct": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f %%", 100**v)
	},
	"age": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return (time.Duration(*v) * time.Second).String()
	},
	"stale": func(v *float64) bool { return v != nil && *v > 3*3600 },
	"f":     func(v float64, digits int) string { return fmt.Sprintf("%.*f", digits, v) },
	"g":     func(v float64) string { return fmt.Sprintf("%.4g", v) },
}

var page = template.Must(template.New("page").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="15">
<title>ecotel — eco status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .2em} h2{font-size:1.1em;margin:1.6em 0 .4em}
table{border-collapse:collapse} th,td{padding:.25em .6em;text-align:left;border-bottom:1px solid #ddd;vertical-align:middle}
th{background:#f4f6f4} td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:12px;color:#555} .muted{color:#777} .stale{color:#b00;font-weight:600}
.legend span{display:inline-block;margin-right:.8em} .legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:-1px}
</style></head><body>
<h1>ecotel — eco status</h1>
<p class="muted">Generated {{.Generated}} from {{range $i, $s := .Sources}}{{if $i}}, {{end}}<code>{{$s}}</code>{{else}}no registered component{{end}}. Refreshes every 15 s. JSON: <a href="api/v1/status">api/v1/status</a>.</p>

<h2>Bidding zones</h2>
<p class="muted">Intensity <code>{{.Metrics.intensity}}</code>, mix <code>{{.Metrics.mix}}</code>, price <code>{{.Metrics.price}}</code>, data age <code>{{.Metrics.age}}</code>.</p>
{{if .Zones}}<table id="zones"><tr><th>Zone</th><th>Intensity g/kWh<br><span class="muted">lifecycle / direct</span></th><th>Renewable</th><th>Low-carbon</th><th>Day-ahead price</th><th>Mix</th><th>Data age</th></tr>
{{range .Zones}}<tr data-zone="{{.Code}}"><td><b>{{.Code}}</b></td><td class="n">{{num .IntensityLifecycleGPerKWh 1}} / {{num .IntensityDirectGPerKWh 1}}</td><td class="n">{{pct .RenewableShare}}</td><td class="n">{{pct .LowCarbonShare}}</td><td class="n">{{num .PricePerMWh 2}} {{.Currency}}/MWh</td><td>{{.MixBar}}</td><td class="n{{if stale .DataAgeSeconds}} stale{{end}}">{{age .DataAgeSeconds}}</td></tr>
{{end}}</table>
<p class="legend">{{range .Fuels}}<span><i style="background:{{.Color}}"></i>{{.Fuel}}</span>{{end}}</p>
{{else}}<p class="muted">No grid data yet.</p>{{end}}

<h2>Nodes ranked by carbon cost</h2>
<p class="muted">Ranking signal <code>{{.Metrics.rank}}</code>: grams CO2e one vCPU-hour costs on the node now (operational + embodied); lower is greener.</p>
{{if .Nodes}}<table id="nodes"><tr><th>#</th><th>Node</th><th>Zone</th><th>Hardware profile</th><th>g CO2e / vCPU-h</th><th></th><th>PUE</th><th>Embodied g/h</th><th>Node SCI</th></tr>
{{range .Nodes}}<tr data-node="{{.Name}}"><td class="n">{{.Rank}}</td><td>{{.Name}}</td><td>{{.Zone}}</td><td>{{.Profile}}</td><td class="n">{{num .CarbonPerVCPUGPerHour 3}}</td><td>{{.Bar}}</td><td class="n">{{num .PUE 3}}</td><td class="n">{{num .EmbodiedRateGPerHour 2}}</td><td class="n">{{with .SCI}}{{g .Score}} g/{{.FunctionalUnit}}{{else}}–{{end}}</td></tr>
{{end}}</table>{{else}}<p class="muted">No nodes yet.</p>{{end}}

<h2>Top pods by SCI</h2>
<p class="muted">SCI <code>{{.Metrics.sci}}</code> = (E × I + M) / R with E <code>{{.Metrics.energy}}</code> (kWh, incl. PUE) and M <code>{{.Metrics.embodied}}</code>. Showing {{.PodsShown}} of {{.PodsTotal}}.</p>
{{if .Pods}}<table id="pods"><tr><th>Pod</th><th>Deployment</th><th>Node</th><th>SCI</th><th>E kWh</th><th>I g/kWh</th><th>PUE</th><th>M g</th><th>R</th></tr>
{{range .Pods}}<tr data-pod="{{.UID}}"><td>{{.Namespace}}/{{.Name}}</td><td>{{.Deployment}}</td><td>{{.Node}}</td>{{with .SCI}}<td class="n">{{g .Score}} g/{{.FunctionalUnit}}</td><td class="n">{{g .EnergyKWh}}</td><td class="n">{{f .IntensityGPerKWh 1}}</td><td class="n">{{f .PUE 3}}</td><td class="n">{{g .EmbodiedG}}</td><td class="n">{{g .FunctionalUnits}}</td>{{else}}<td colspan="6" class="muted">no SCI yet</td>{{end}}</tr>
{{end}}</table>{{else}}<p class="muted">No pods yet.</p>{{end}}
</body></html>
`))

func renderPage(w io.Writer, d pageData) error { return page.Execute(w, d) }
