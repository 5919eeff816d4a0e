//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecotel/ecotel/internal/e2e"
)

// dashboard is the part of Grafana's dashboard JSON model the checks read.
type dashboard struct {
	Title         string `json:"title"`
	UID           string `json:"uid"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Datasource *datasourceRef  `json:"datasource"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int                      `json:"id"`
	Type       string                   `json:"type"`
	Title      string                   `json:"title"`
	Datasource *datasourceRef           `json:"datasource"`
	GridPos    struct{ X, Y, W, H int } `json:"gridPos"`
	Targets    []struct {
		RefID      string         `json:"refId"`
		Expr       string         `json:"expr"`
		Datasource *datasourceRef `json:"datasource"`
	} `json:"targets"`
	Repeat string  `json:"repeat"`
	Panels []panel `json:"panels"` // a collapsed row's panels
}

// grafanaBuiltins are the variables Grafana itself defines.
var grafanaBuiltins = map[string]bool{"__rate_interval": true, "__range": true, "__interval": true}

// dashboardSubstitutions give each variable the value the query test runs
// with: all zones and jobs, lifecycle factors, and windows that hold enough
// 1 s scrapes of a run that has been going for tens of seconds.
var dashboardSubstitutions = map[string]string{
	"zone": ".*", "job": ".*", "method": "lifecycle",
	"__rate_interval": "1m", "__range": "5m",
}

var variableRef = regexp.MustCompile(`\$\{?(\w+)\}?`)

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e2e.RepoRoot(t), "distribution/grafana/ecotel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("distribution/grafana/ecotel.json is not valid JSON: %v", err)
	}
	return d
}

// allPanels flattens rows' nested panels.
func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// checkDashboardModel checks the dashboard as far as Grafana's model can be
// checked without Grafana: unique panel ids, a Prometheus data source
// variable used by every panel and target, an expression on every target,
// only defined variables referenced, and a layout inside the 24-column grid.
func checkDashboardModel(t *testing.T, d dashboard) {
	t.Helper()
	if d.Title == "" || d.UID == "" || d.SchemaVersion == 0 {
		t.Errorf("title %q, uid %q, schemaVersion %d: all are required", d.Title, d.UID, d.SchemaVersion)
	}
	vars := map[string]variable{}
	for _, v := range d.Templating.List {
		if _, dup := vars[v.Name]; dup {
			t.Errorf("variable %q defined twice", v.Name)
		}
		vars[v.Name] = v
	}
	ds, ok := vars["datasource"]
	if !ok || ds.Type != "datasource" || string(ds.Query) != `"prometheus"` {
		t.Errorf("want a data source variable named datasource for Prometheus, got %+v", ds)
	}
	usesDatasource := func(where string, ref *datasourceRef) {
		if ref == nil || ref.Type != "prometheus" || ref.UID != "${datasource}" {
			t.Errorf("%s: data source %+v, want {prometheus ${datasource}}", where, ref)
		}
	}
	checkRefs := func(where, expr string) {
		for _, m := range variableRef.FindAllStringSubmatch(expr, -1) {
			if _, ok := vars[m[1]]; !ok && !grafanaBuiltins[m[1]] {
				t.Errorf("%s: references undefined variable $%s", where, m[1])
			}
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			usesDatasource("variable "+v.Name, v.Datasource)
			checkRefs("variable "+v.Name, v.Definition)
		}
	}
	ids := map[int]string{}
	for _, p := range allPanels(d.Panels) {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.ID <= 0 {
			t.Errorf("%s: id must be positive", where)
		}
		if other, dup := ids[p.ID]; dup {
			t.Errorf("%s: id already used by %q", where, other)
		}
		ids[p.ID] = p.Title
		if g := p.GridPos; g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("%s: gridPos %+v outside the 24-column grid", where, g)
		}
		if p.Repeat != "" {
			if _, ok := vars[p.Repeat]; !ok {
				t.Errorf("%s: repeats over undefined variable %q", where, p.Repeat)
			}
		}
		if p.Type == "row" {
			continue
		}
		usesDatasource(where, p.Datasource)
		if len(p.Targets) == 0 {
			t.Errorf("%s: no targets", where)
		}
		refIDs := map[string]bool{}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("%s target %s: no expr", where, tg.RefID)
			}
			if tg.RefID == "" || refIDs[tg.RefID] {
				t.Errorf("%s: refId %q missing or repeated", where, tg.RefID)
			}
			refIDs[tg.RefID] = true
			usesDatasource(where+" target "+tg.RefID, tg.Datasource)
			checkRefs(where+" target "+tg.RefID, tg.Expr)
		}
	}
}

func substitute(expr string) string {
	return variableRef.ReplaceAllStringFunc(expr, func(ref string) string {
		name := strings.Trim(ref, "${}")
		if v, ok := dashboardSubstitutions[name]; ok {
			return v
		}
		return ref
	})
}

var labelValues = regexp.MustCompile(`^label_values\((\w+),\s*(\w+)\)$`)

// TestE2EGrafanaDashboardQueries checks the Grafana dashboard's model, then
// runs every panel target's PromQL (variables substituted) and every
// variable's label_values query against a real Prometheus scraping the
// running demo — the prometheus exporter and the collector's own telemetry,
// as one job as a ServiceMonitor would — and requires each to return data.
func TestE2EGrafanaDashboardQueries(t *testing.T) {
	d := loadDashboard(t)
	checkDashboardModel(t, d)
	if t.Failed() {
		return
	}

	demo := startDemo(t, sciTiming{window: "6s", interval: "3s", delay: "5s"})
	prom := e2e.StartPrometheus(t, e2e.PrometheusOptions{Targets: []string{demo.col.Endpoints.Prometheus, demo.telemetryEndpoint()}})
	// Wait until SCI flows for every pod, so the workload panels have data.
	prom.WaitForQuery(t, `count(eco_sci_score_grams{eco_sci_scope="pod"})`, 90*time.Second, func(s []e2e.Sample) error {
		if len(s) == 0 || int(s[0].Value) != len(demo.inv.Pods) {
			return fmt.Errorf("pod SCI series: %v, want %d", s, len(demo.inv.Pods))
		}
		return nil
	}, demo.col.Process, demo.sim)

	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, v.Definition)
			continue
		}
		prom.WaitForQuery(t, fmt.Sprintf("count by (%s) (%s)", m[2], m[1]), 30*time.Second, nil, demo.col.Process)
	}
	queries := 0
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			expr := substitute(tg.Expr)
			t.Run(fmt.Sprintf("panel%d_%s", p.ID, tg.RefID), func(t *testing.T) {
				got := prom.WaitForQuery(t, expr, 60*time.Second, nil, demo.col.Process)
				t.Logf("%q %s: %d series from %s", p.Title, tg.RefID, len(got), expr)
			})
			queries++
		}
	}
	t.Logf("%d panel queries returned data", queries)
}
