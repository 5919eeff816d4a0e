package ecostatusextension

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ecotel/ecotel/internal/ecostatus"
	"github.com/ecotel/ecotel/semconv"
)

// fuelOrder is the order fuels are stacked in the mix bars and listed in
// the legend: low-carbon sources first, fossil last, so bars of different
// zones compare at a glance.
var fuelOrder = []string{
	semconv.AttrGridFuelNuclear, semconv.AttrGridFuelHydro, semconv.AttrGridFuelHydroStorage, semconv.AttrGridFuelWind,
	semconv.AttrGridFuelSolar, semconv.AttrGridFuelGeothermal, semconv.AttrGridFuelBiomass, semconv.AttrGridFuelBatteryStorage,
	semconv.AttrGridFuelGas, semconv.AttrGridFuelOil, semconv.AttrGridFuelCoal, semconv.AttrGridFuelUnknown,
}

// fuelColors give each fuel a stable colour in the mix bars.
var fuelColors = map[string]string{
	semconv.AttrGridFuelNuclear: "#8e6cc2", semconv.AttrGridFuelHydro: "#2f78c4", semconv.AttrGridFuelHydroStorage: "#79b0e0",
	semconv.AttrGridFuelWind: "#3aa36b", semconv.AttrGridFuelSolar: "#f2c12e", semconv.AttrGridFuelGeothermal: "#c9563c",
	semconv.AttrGridFuelBiomass: "#93a843", semconv.AttrGridFuelBatteryStorage: "#26b3c4", semconv.AttrGridFuelGas: "#e48a3c",
	semconv.AttrGridFuelOil: "#8a5a44", semconv.AttrGridFuelCoal: "#4a4a4a", semconv.AttrGridFuelUnknown: "#b9b9b9",
}

func fuelRank(fuel string) int {
	for i, f := range fuelOrder {
		if f == fuel {
			return i
		}
	}
	return len(fuelOrder)
}

func colorOf(fuel string) string {
	if c, ok := fuelColors[fuel]; ok {
		return c
	}
	return fuelColors[semconv.AttrGridFuelUnknown]
}

type pageData struct {
	Generated  string
	Sources    []string
	Zones      []zoneRow
	Nodes      []nodeRow
	Pods       []podRow
	PodsShown  int
	PodsTotal  int
	NodesShown int
	NodesTotal int
	// PodsWithSCI counts the pods (of all, not only those shown) with an SCI.
	PodsWithSCI int
	NodesRanked int
	// HasHeadroom is false until some zone has a trailing intensity range.
	HasHeadroom  bool
	GreenestZone *zoneRow
	GreenestNode *nodeRow
	Fuels        []legendEntry
	Metrics      map[string]string
}

type zoneRow struct {
	ecostatus.Zone
	MixBar    template.HTML
	Intensity template.HTML // badge
	Headroom  template.HTML // bar
}

type nodeRow struct {
	ecostatus.Node
	Rank int
	Bar  template.HTML
}

type podRow struct {
	ecostatus.Pod
	Split template.HTML // operational vs embodied bar
}

type legendEntry struct{ Fuel, Color string }

func newPageData(s ecostatus.Snapshot, sources []string, topPods, topNodes int, now time.Time) pageData {
	d := pageData{
		Generated:  now.UTC().Format("2006-01-02 15:04:05 UTC"),
		Sources:    sources,
		PodsTotal:  len(s.Pods),
		NodesTotal: len(s.Nodes),
		Metrics: map[string]string{
			"intensity": semconv.MetricGridCarbonIntensityPrometheus,
			"renewable": semconv.MetricGridRenewableSharePrometheus,
			"lowcarbon": semconv.MetricGridLowCarbonSharePrometheus,
			"headroom":  semconv.MetricGridGreenHeadroomPrometheus,
			"mix":       semconv.MetricGridGenerationPrometheus,
			"price":     semconv.MetricGridPriceDayAheadPrometheus,
			"age":       semconv.MetricGridDataAgePrometheus,
			"rank":      semconv.MetricNodeCarbonPerVCPUPrometheus,
			"pue":       semconv.MetricNodePUEPrometheus,
			"embrate":   semconv.MetricNodeEmbodiedRatePrometheus,
			"vcpus":     semconv.MetricNodeVCPUsPrometheus,
			"sci":       semconv.MetricSCIScorePrometheus,
			"energy":    semconv.MetricSCIEnergyPrometheus,
			"sciint":    semconv.MetricSCICarbonIntensityPrometheus,
			"scipue":    semconv.MetricSCIPUEPrometheus,
			"oper":      semconv.MetricSCIOperationalPrometheus,
			"embodied":  semconv.MetricSCIEmbodiedPrometheus,
			"units":     semconv.MetricSCIFunctionalUnitsPrometheus,
		},
	}
	seenFuel := map[string]bool{}
	for _, z := range s.Zones {
		mix := append([]ecostatus.FuelMW(nil), z.Mix...)
		sort.SliceStable(mix, func(i, j int) bool { return fuelRank(mix[i].Fuel) < fuelRank(mix[j].Fuel) })
		z.Mix = mix
		d.Zones = append(d.Zones, zoneRow{Zone: z, MixBar: mixBar(mix), Intensity: intensityBadge(z.IntensityLifecycleGPerKWh), Headroom: ratioBar(z.GreenHeadroom)})
		for _, m := range mix {
			seenFuel[m.Fuel] = true
		}
		d.HasHeadroom = d.HasHeadroom || z.GreenHeadroom != nil
	}
	for _, f := range fuelOrder {
		if seenFuel[f] {
			d.Fuels = append(d.Fuels, legendEntry{f, colorOf(f)})
			delete(seenFuel, f)
		}
	}
	for f := range seenFuel { // fuels outside the registry, if any
		d.Fuels = append(d.Fuels, legendEntry{f, colorOf(f)})
	}
	for i := range d.Zones {
		z := d.Zones[i].IntensityLifecycleGPerKWh
		if z != nil && (d.GreenestZone == nil || *z < *d.GreenestZone.IntensityLifecycleGPerKWh) {
			d.GreenestZone = &d.Zones[i]
		}
	}

	best, worst := math.Inf(1), 0.0
	for _, n := range s.Nodes {
		if v := n.CarbonPerVCPUGPerHour; v != nil {
			best, worst = math.Min(best, *v), math.Max(worst, *v)
			d.NodesRanked++
		}
	}
	for i, n := range s.Nodes[:min(len(s.Nodes), topNodes)] {
		d.Nodes = append(d.Nodes, nodeRow{Node: n, Rank: i + 1, Bar: rankBar(n.CarbonPerVCPUGPerHour, best, worst)})
	}
	d.NodesShown = len(d.Nodes)
	if len(d.Nodes) > 0 && d.Nodes[0].CarbonPerVCPUGPerHour != nil {
		d.GreenestNode = &d.Nodes[0] // the snapshot ranks greenest first
	}

	for _, p := range s.Pods {
		if p.SCI != nil {
			d.PodsWithSCI++
		}
	}
	pods := s.Pods
	if len(pods) > topPods {
		pods = pods[:topPods]
	}
	for _, p := range pods {
		d.Pods = append(d.Pods, podRow{Pod: p, Split: splitBar(p.SCI)})
	}
	d.PodsShown = len(d.Pods)
	return d
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
	const width, height = 280.0, 16.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="mix" width="%g" height="%g" viewBox="0 0 %g %g" role="img" aria-label="generation mix">`, width, height, width, height)
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

// greenToRed maps t in [0,1] to a colour from green (0) to red (1).
func greenToRed(t float64) string {
	t = math.Max(0, math.Min(1, t))
	return fmt.Sprintf("hsl(%.0f,62%%,%.0f%%)", 135-130*t, 40+4*t)
}

// intensityBadge shows a lifecycle intensity on a colour scale: 0 g/kWh is
// green, 500 g/kWh and more (a coal-heavy grid) red.
func intensityBadge(v *float64) template.HTML {
	if v == nil {
		return "–"
	}
	return template.HTML(fmt.Sprintf(`<span class="badge" style="background:%s">%.0f</span>`, greenToRed(*v/500), *v)) // #nosec G203 -- numbers only
}

// rankBar draws a node's ranking signal relative to the worst node, coloured
// by its place between the best and the worst.
func rankBar(v *float64, best, worst float64) template.HTML {
	if v == nil || worst <= 0 {
		return ""
	}
	const width = 150.0
	t := 0.0
	if worst > best {
		t = (*v - best) / (worst - best)
	}
	w := math.Max(*v/worst*width, 2)
	return template.HTML(fmt.Sprintf(`<svg class="rank" width="%g" height="12"><rect width="%g" height="12" rx="2" fill="#eef0ee"/><rect width="%.2f" height="12" rx="2" fill="%s"/></svg>`, width, width, w, greenToRed(t))) // #nosec G203 -- numbers only
}

// ratioBar draws a value in [0,1] (a headroom) as a small bar with its value.
func ratioBar(v *float64) template.HTML {
	if v == nil {
		return `<span class="muted">–</span>`
	}
	const width = 60.0
	r := math.Max(0, math.Min(1, *v))
	return template.HTML(fmt.Sprintf(`<svg class="ratio" width="%g" height="10"><rect width="%g" height="10" rx="2" fill="#eef0ee"/><rect width="%.2f" height="10" rx="2" fill="%s"/></svg> %.2f`, width, width, r*width, greenToRed(1-r), *v)) // #nosec G203 -- numbers only
}

// splitBar shows the operational and embodied parts of a pod's carbon.
func splitBar(s *ecostatus.SCI) template.HTML {
	if s == nil {
		return ""
	}
	total := s.OperationalG + s.EmbodiedG
	if total <= 0 {
		return ""
	}
	const width = 90.0
	o := s.OperationalG / total * width
	return template.HTML(fmt.Sprintf(`<svg class="split" width="%g" height="10"><rect width="%.2f" height="10" fill="#3f7cc0"><title>operational %.1f %%</title></rect><rect x="%.2f" width="%.2f" height="10" fill="#d99a3d"><title>embodied %.1f %%</title></rect></svg>`,
		width, o, 100*s.OperationalG/total, o, width-o, 100*s.EmbodiedG/total)) // #nosec G203 -- numbers only
}

// sig formats v with about three significant digits and no exponent.
func sig(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	return fmt.Sprintf("%.*f", max(digits, 0), v)
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
		return fmt.Sprintf("%.0f %%", 100**v)
	},
	"age": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return (time.Duration(*v) * time.Second).String()
	},
	"hhmm": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"stale": func(v *float64) bool { return v != nil && *v > 3*3600 },
	"f":     func(v float64, digits int) string { return fmt.Sprintf("%.*f", digits, v) },
	"sig":   sig,
	"wh":    func(kWh float64) string { return sig(kWh * 1000) },
}

var page = template.Must(template.New("page").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="15">
<title>ecotel — eco status</title>
<style>
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1f2a24;background:#f3f5f3}
header{background:#1d4d36;color:#fff;padding:14px 28px;display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 18px}
header h1{font-size:20px;margin:0;font-weight:650;letter-spacing:.2px}
header h1 span{color:#9fd8b4;font-weight:500}
header .meta{color:#cfe6d8;font-size:12.5px;margin-left:auto}
header a{color:#fff}
header code{color:#fff;background:rgba(255,255,255,.12);padding:0 4px;border-radius:3px}
main{padding:18px 28px 28px;max-width:1320px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px;margin-bottom:18px}
.tile{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile .label{font-size:12px;color:#5c6b62;text-transform:uppercase;letter-spacing:.4px}
.tile .value{font-size:22px;font-weight:650;margin-top:2px}
.tile .sub{font-size:12.5px;color:#5c6b62}
section{background:#fff;border-radius:8px;padding:14px 18px 10px;margin-bottom:18px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:16px;margin:0 0 2px}
p.note{color:#5c6b62;margin:0 0 10px;font-size:12.5px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 10px;text-align:left;border-bottom:1px solid #e7ebe8;vertical-align:middle;white-space:nowrap}
th{font-size:12px;font-weight:600;color:#4a574f;background:#f7f9f7;border-bottom:1px solid #d9dfdb}
th small{font-weight:400;color:#7a877f}
tr:last-child td{border-bottom:none}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.rank{color:#7a877f;width:28px}
code{font:11.5px/1.3 ui-monospace,"DejaVu Sans Mono",monospace;color:#44524a;background:#f1f4f2;padding:0 3px;border-radius:3px}
.muted{color:#7a877f} .stale{color:#b3261e;font-weight:600}
.badge{display:inline-block;min-width:44px;padding:1px 8px;border-radius:10px;color:#fff;font-weight:650;text-align:center;font-variant-numeric:tabular-nums}
.legend{margin:8px 0 4px;font-size:12.5px;color:#44524a}
.legend span{display:inline-block;margin-right:14px} .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
svg{vertical-align:middle}
.key i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:-1px}
footer{color:#7a877f;font-size:12px}
</style></head><body>
<header><h1>ecotel <span>eco status</span></h1>
<div class="meta">{{.Generated}} · sources {{range $i, $s := .Sources}}{{if $i}}, {{end}}<code>{{$s}}</code>{{else}}none registered{{end}} · refreshes every 15 s · <a href="api/v1/status">JSON API</a></div></header>
<main>
<div class="tiles" id="summary">
<div class="tile"><div class="label">Greenest zone now</div>{{with .GreenestZone}}<div class="value">{{.Code}}</div><div class="sub">{{num .IntensityLifecycleGPerKWh 0}} g CO2e/kWh (lifecycle)</div>{{else}}<div class="value muted">–</div><div class="sub">no grid data yet</div>{{end}}</div>
<div class="tile"><div class="label">Greenest node now</div>{{with .GreenestNode}}<div class="value">{{.Name}}</div><div class="sub">{{num .CarbonPerVCPUGPerHour 3}} g CO2e per vCPU-hour · {{.Zone}}</div>{{else}}<div class="value muted">–</div><div class="sub">no ranking signal yet</div>{{end}}</div>
<div class="tile"><div class="label">Nodes ranked</div><div class="value">{{.NodesRanked}} <span class="muted">/ {{.NodesTotal}}</span></div><div class="sub">with a ranking signal</div></div>
<div class="tile"><div class="label">Pods with an SCI</div><div class="value">{{.PodsWithSCI}} <span class="muted">/ {{.PodsTotal}}</span></div><div class="sub">in the last window</div></div>
</div>

<section id="zones-section">
<h2>Bidding zones</h2>
<p class="note">Grid state per zone from ENTSO-E: intensity <code>{{.Metrics.intensity}}</code>, mix <code>{{.Metrics.mix}}</code>, price <code>{{.Metrics.price}}</code>, data age <code>{{.Metrics.age}}</code>, green headroom <code>{{.Metrics.headroom}}</code>{{if not .HasHeadroom}} (appears once a zone's intensity has varied within the sci processor's trailing window){{end}}.</p>
{{if .Zones}}<div class="scroll"><table id="zones"><tr><th>Zone</th><th class="n" title="{{.Metrics.intensity}}">Intensity <small>g CO2e/kWh<br>lifecycle · direct</small></th><th class="n" title="{{.Metrics.renewable}}">Renewable</th><th class="n" title="{{.Metrics.lowcarbon}}">Low-carbon</th>{{if .HasHeadroom}}<th title="{{.Metrics.headroom}}">Green headroom</th>{{end}}<th class="n" title="{{.Metrics.price}}">Day-ahead price</th><th title="{{.Metrics.mix}}">Generation mix</th><th title="{{.Metrics.age}}">Interval <small>start · age</small></th></tr>
{{range .Zones}}<tr data-zone="{{.Code}}"><td><b>{{.Code}}</b></td><td class="n">{{.Intensity}} <span class="muted">{{num .IntensityDirectGPerKWh 0}}</span></td><td class="n">{{pct .RenewableShare}}</td><td class="n">{{pct .LowCarbonShare}}</td>{{if $.HasHeadroom}}<td>{{.Headroom}}</td>{{end}}<td class="n">{{if .PricePerMWh}}{{num .PricePerMWh 2}} {{.Currency}}/MWh{{else}}–{{end}}</td><td>{{.MixBar}}</td><td>{{with .IntervalStart}}{{hhmm .}} · {{end}}<span class="{{if stale .DataAgeSeconds}}stale{{end}}">{{age .DataAgeSeconds}}</span></td></tr>
{{end}}</table></div>
<p class="legend">{{range .Fuels}}<span><i style="background:{{.Color}}"></i>{{.Fuel}}</span>{{end}}</p>
{{else}}<p class="muted">No grid data yet.</p>{{end}}
</section>

<section id="nodes-section">
<h2>Nodes ranked by carbon cost</h2>
<p class="note">Ranking signal <code>{{.Metrics.rank}}</code>: grams of CO2e one vCPU-hour costs on the node now, operational and embodied. Lower is greener; the scheduler plugin prefers the top of this list.{{if lt .NodesShown .NodesTotal}} Showing the {{.NodesShown}} greenest of {{.NodesTotal}}; the JSON API lists all.{{end}}</p>
{{if .Nodes}}<div class="scroll"><table id="nodes"><tr><th>#</th><th>Node</th><th>Zone</th><th>Hardware profile</th><th class="n" title="{{.Metrics.vcpus}}">vCPUs</th><th class="n" title="{{.Metrics.rank}}">g CO2e / vCPU-h</th><th></th><th class="n" title="{{.Metrics.pue}}">PUE</th><th class="n" title="{{.Metrics.embrate}}">Embodied <small>g/h</small></th><th class="n" title="{{.Metrics.sci}}">Node SCI</th></tr>
{{range .Nodes}}<tr data-node="{{.Name}}"><td class="rank">{{.Rank}}</td><td><b>{{.Name}}</b></td><td>{{.Zone}}</td><td>{{.Profile}}</td><td class="n">{{num .VCPUs 0}}</td><td class="n">{{num .CarbonPerVCPUGPerHour 3}}</td><td>{{.Bar}}</td><td class="n">{{num .PUE 2}}</td><td class="n">{{num .EmbodiedRateGPerHour 2}}</td><td class="n">{{with .SCI}}{{sig .Score}} g/{{.FunctionalUnit}}{{else}}<span class="muted">–</span>{{end}}</td></tr>
{{end}}</table></div>{{else}}<p class="muted">No nodes yet.</p>{{end}}
</section>

<section id="pods-section">
<h2>Top pods by SCI</h2>
<p class="note">SCI <code>{{.Metrics.sci}}</code> = (E × I + M) / R over the last window, with E <code>{{.Metrics.energy}}</code> (incl. PUE), I <code>{{.Metrics.sciint}}</code>, M <code>{{.Metrics.embodied}}</code> and R <code>{{.Metrics.units}}</code>. Showing {{.PodsShown}} of {{.PodsTotal}}{{if lt .PodsShown .PodsTotal}}; the JSON API lists all{{end}}.
<span class="key"><i style="background:#3f7cc0"></i>operational (E × I)<i style="background:#d99a3d"></i>embodied (M)</span></p>
{{if .Pods}}<div class="scroll"><table id="pods"><tr><th>Pod</th><th>Deployment</th><th>Node</th><th class="n" title="{{.Metrics.sci}}">SCI</th><th>Carbon split</th><th class="n" title="{{.Metrics.energy}}">E <small>Wh</small></th><th class="n" title="{{.Metrics.sciint}}">I <small>g/kWh</small></th><th class="n" title="{{.Metrics.scipue}}">PUE</th><th class="n" title="{{.Metrics.oper}}">O <small>g</small></th><th class="n" title="{{.Metrics.embodied}}">M <small>g</small></th><th class="n" title="{{.Metrics.units}}">R</th></tr>
{{range .Pods}}{{$split := .Split}}<tr data-pod="{{.UID}}"><td><span class="muted">{{.Namespace}}/</span><b>{{.Name}}</b></td><td>{{.Deployment}}</td><td>{{.Node}}</td>{{with .SCI}}<td class="n"><b>{{sig .Score}}</b> g/{{.FunctionalUnit}}</td><td>{{$split}}</td><td class="n">{{wh .EnergyKWh}}</td><td class="n">{{f .IntensityGPerKWh 1}}</td><td class="n">{{f .PUE 2}}</td><td class="n">{{sig .OperationalG}}</td><td class="n">{{sig .EmbodiedG}}</td><td class="n">{{sig .FunctionalUnits}} {{.FunctionalUnit}}</td>{{else}}<td colspan="8" class="muted">no SCI in the last window</td>{{end}}</tr>
{{end}}</table></div>{{else}}<p class="muted">No pods yet.</p>{{end}}
</section>
<footer>Read-only view of what this collector holds now; Prometheus keeps the history. Metric names and units: docs/semantic-conventions.md.</footer>
</main>
</body></html>
`))

func renderPage(w io.Writer, d pageData) error { return page.Execute(w, d) }
