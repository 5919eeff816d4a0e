package catalog

import (
	"math"
	"strings"
	"testing"
)

func TestBuiltinCatalogIsValidAndCited(t *testing.T) {
	f := Builtin()
	c, err := Build(Source{Name: BuiltinName, File: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"generic-rack-server", "aws-m5", "gcp-n2-standard"} {
		if !c.Has(name) {
			t.Errorf("built-in catalog lacks %s", name)
		}
	}
	if c.Has("aws-instance") || c.Has("gcp-instance") {
		t.Error("abstract base profiles must not be assignable")
	}
	for _, name := range c.ProfileNames() {
		hw, _ := c.Profile(name)
		if hw.EmbodiedSource == "" || hw.LifetimeSource == "" {
			t.Errorf("%s: a figure without its source", name)
		}
		if hw.Power != nil && hw.Power.Source == "" {
			t.Errorf("%s: power without source", name)
		}
		if pue, src := c.PUE(hw, ""); pue < 1 || src == "" {
			t.Errorf("%s: PUE %v from %q", name, pue, src)
		}
	}
	for _, s := range f.Sites {
		if s.Source == "" {
			t.Errorf("site %s without source", s.Name)
		}
	}
	if f.EmbodiedComponents == nil || f.EmbodiedComponents.Source == "" {
		t.Error("component factors missing or uncited")
	}
}

// The figures the reference anchors (green-software-anchors §6) must be the
// ones shipped.
func TestBuiltinFiguresMatchTheirSources(t *testing.T) {
	c, err := Build(Source{Name: BuiltinName, File: Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	pue := func(profile, region string) float64 {
		hw, ok := c.Profile(profile)
		if !ok {
			t.Fatalf("no profile %s", profile)
		}
		v, _ := c.PUE(hw, region)
		return v
	}
	checks := []struct {
		what      string
		got, want float64
	}{
		{"AWS PUE", pue("aws-m5", "eu-west-3"), 1.135},
		{"GCP PUE", pue("gcp-n2-standard", "europe-west3"), 1.10},
		{"GCP europe-west1 PUE", pue("gcp-n2-standard", "europe-west1"), 1.09},
		{"GCP europe-west4 PUE", pue("gcp-n2-standard", "europe-west4"), 1.07},
		{"enterprise PUE", pue("generic-rack-server", ""), 1.58},
	}
	m5, _ := c.Profile("aws-m5")
	checks = append(checks,
		struct {
			what      string
			got, want float64
		}{"m5 host total", m5.EmbodiedKgCO2e, 1610.79},
		struct {
			what      string
			got, want float64
		}{"m5 host vCPUs", m5.EmbodiedHostVCPUs, 96},
		struct {
			what      string
			got, want float64
		}{"m5 lifetime", m5.LifetimeYears, 4},
	)
	generic, _ := c.Profile("generic-rack-server")
	checks = append(checks, struct {
		what      string
		got, want float64
	}{"generic rack server", generic.EmbodiedKgCO2e, 1000})
	for _, ch := range checks {
		if math.Abs(ch.got-ch.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", ch.what, ch.got, ch.want)
		}
	}
	f := Builtin()
	for _, s := range f.Sites {
		if s.Name == "azure" && *s.PUE != 1.185 {
			t.Errorf("Azure PUE %v, want the fleet-wide 1.185", *s.PUE)
		}
	}
}

func TestComponentEstimateUsesCCFConstants(t *testing.T) {
	factors := Builtin().EmbodiedComponents
	cases := []struct {
		name string
		c    Components
		want float64
	}{
		{"base server", Components{CPUs: 1, MemoryGB: 16}, 1000},
		{"below memory baseline", Components{CPUs: 1, MemoryGB: 8}, 1000},
		{"two sockets", Components{CPUs: 2, MemoryGB: 16}, 1100},
		// 384 GB: 368 GB above the 16 GB baseline at 533/384 kg/GB.
		{"memory", Components{CPUs: 1, MemoryGB: 384}, 1000 + 368*533.0/384},
		// CCF: SSD 100 kg, HDD 50 kg (not IF's swapped values).
		{"one SSD", Components{CPUs: 1, MemoryGB: 16, SSDs: 1}, 1100},
		{"one HDD", Components{CPUs: 1, MemoryGB: 16, HDDs: 1}, 1050},
		{"GPUs", Components{CPUs: 1, MemoryGB: 16, GPUs: 4}, 1600},
		// CCF's m5 row: 510.79 kg additional memory (384 GB host) + 100 kg CPU.
		{"m5 host as CCF computes it", Components{CPUs: 2, MemoryGB: 384}, 1610.79},
	}
	for _, tc := range cases {
		got, how := factors.Estimate(tc.c)
		if math.Abs(got-tc.want) > 0.01 {
			t.Errorf("%s: %v kg (%s), want %v", tc.name, got, how, tc.want)
		}
		if !strings.Contains(how, "component estimate") {
			t.Errorf("%s: derivation %q", tc.name, how)
		}
	}
}

func TestExtendsInheritsAndOverrides(t *testing.T) {
	user := mustParse(t, `
sites:
  - {name: lab, pue: 1.3, source: measured 2024}
profiles:
  - name: base-2s
    abstract: true
    lifetime_years: 5
    lifetime_source: our refresh cycle
    site: lab
    labels: {vendor: Acme, rack: r1}
  - name: acme-2s
    extends: base-2s
    embodied:
      components: {cpus: 2, memory_gb: 128, ssds: 2}
      source: Acme bill of materials
    commissioned: 2022-03-01
    vcpus: 64
    memory_gib: 128
    labels: {rack: r7, model: X1}
  - name: acme-2s-own-pue
    extends: acme-2s
    pue: 1.2
    pue_source: sub-meter
  - name: rack-plus
    extends: generic-rack-server
    vcpus: 32
`)
	c, err := Build(Source{Name: BuiltinName, File: Builtin()}, Source{Name: "user.yaml", File: user})
	if err != nil {
		t.Fatal(err)
	}
	hw, ok := c.Profile("acme-2s")
	if !ok {
		t.Fatal("acme-2s missing")
	}
	wantKg := 1000 + 100 + 112*533.0/384 + 200
	if math.Abs(hw.EmbodiedKgCO2e-wantKg) > 1e-6 || hw.EmbodiedDerivation == "" {
		t.Errorf("embodied %v (%s), want %v", hw.EmbodiedKgCO2e, hw.EmbodiedDerivation, wantKg)
	}
	if hw.LifetimeYears != 5 || hw.LifetimeSource != "our refresh cycle" {
		t.Errorf("lifetime not inherited: %v %q", hw.LifetimeYears, hw.LifetimeSource)
	}
	if pue, src := c.PUE(hw, ""); pue != 1.3 || src != "measured 2024" {
		t.Errorf("site PUE not inherited: %v %q", pue, src)
	}
	if hw.Labels["vendor"] != "Acme" || hw.Labels["rack"] != "r7" || hw.Labels["model"] != "X1" {
		t.Errorf("labels not merged: %v", hw.Labels)
	}
	if hw.Commissioned.Format("2006-01-02") != "2022-03-01" {
		t.Errorf("commissioned %v", hw.Commissioned)
	}
	own, _ := c.Profile("acme-2s-own-pue")
	if pue, src := c.PUE(own, ""); pue != 1.2 || src != "sub-meter" {
		t.Errorf("own PUE: %v %q", pue, src)
	}
	plus, _ := c.Profile("rack-plus")
	if plus.EmbodiedKgCO2e != 1000 || plus.VCPUs != 32 || plus.Site != "enterprise-average" {
		t.Errorf("extending a built-in profile: %+v", plus)
	}
	if c.Has("base-2s") {
		t.Error("abstract profile assignable")
	}
}

func TestLaterFileOverridesEarlier(t *testing.T) {
	user := mustParse(t, `
sites:
  - {name: aws, pue: 1.2, source: our own estimate}
profiles:
  - name: generic-rack-server
    embodied: {total_kgco2e: 1500, source: vendor LCA}
    lifetime_years: 6
    lifetime_source: refresh cycle
    pue: 1.4
    pue_source: measured
`)
	c, err := Build(Source{Name: BuiltinName, File: Builtin()}, Source{Name: "user.yaml", File: user})
	if err != nil {
		t.Fatal(err)
	}
	hw, _ := c.Profile("generic-rack-server")
	if hw.EmbodiedKgCO2e != 1500 || hw.LifetimeYears != 6 || hw.Origin != "user.yaml" {
		t.Errorf("override not applied: %+v", hw)
	}
	m5, _ := c.Profile("aws-m5")
	if pue, _ := c.PUE(m5, ""); pue != 1.2 {
		t.Errorf("site override not applied to built-in profile: %v", pue)
	}
	if len(c.Overrides) != 2 {
		t.Errorf("overrides reported: %v", c.Overrides)
	}
	if rs := c.RuleSets(); len(rs) != 1 || rs[0].Origin != BuiltinName {
		t.Errorf("rule sets %+v", rs)
	}
}

// Every bad input is rejected with a message that names where, what and the fix.
func TestParseRejectsBadInput(t *testing.T) {
	const valid = `
    embodied: {total_kgco2e: 1000, source: s}
    lifetime_years: 4
    lifetime_source: s
    pue: 1.2
    pue_source: s`
	cases := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"not yaml", "profiles: [", []string{"not a valid catalog"}},
		{"unknown field", "profiles:\n  - name: a\n    embodied_kg: 3", []string{"field embodied_kg not found"}},
		{"two documents", "sites: []\n---\nsites: []", []string{"more than one YAML document"}},
		{"missing name", "profiles:\n  - description: x" + valid, []string{"profiles[0]: name: is required"}},
		{"whitespace in name", "profiles:\n  - name: my server" + valid, []string{"contains whitespace"}},
		{"duplicate profile", "profiles:\n  - name: a" + valid + "\n  - name: a" + valid, []string{"profiles[1] (a): duplicate profile name", "use extends"}},
		{"negative embodied", "profiles:\n  - name: a\n    embodied: {total_kgco2e: -3, source: s}", []string{"profiles[0] (a): embodied.total_kgco2e: -3 is negative", "kilograms"}},
		{"zero embodied", "profiles:\n  - name: a\n    embodied: {total_kgco2e: 0, source: s}", []string{"embodied.total_kgco2e: 0 must be greater than 0"}},
		{"embodied in grams", "profiles:\n  - name: a\n    embodied: {total_kgco2e: 1610790, source: s}", []string{"implausibly large", "not grams"}},
		{"embodied without source", "profiles:\n  - name: a\n    embodied: {total_kgco2e: 1000}", []string{"embodied.source is required"}},
		{"embodied both ways", "profiles:\n  - name: a\n    embodied: {total_kgco2e: 1, components: {cpus: 1, memory_gb: 16}, source: s}", []string{"set total_kgco2e or components, not both"}},
		{"embodied neither", "profiles:\n  - name: a\n    embodied: {source: s}", []string{"set total_kgco2e"}},
		{"components zero cpus", "profiles:\n  - name: a\n    embodied: {components: {cpus: 0, memory_gb: 16}, source: s}", []string{"embodied.components.cpus: 0 is out of range"}},
		{"components negative ssd", "profiles:\n  - name: a\n    embodied: {components: {cpus: 1, memory_gb: 16, ssds: -1}, source: s}", []string{"embodied.components.ssds: -1"}},
		{"components negative memory", "profiles:\n  - name: a\n    embodied: {components: {cpus: 1, memory_gb: -16}, source: s}", []string{"embodied.components.memory_gb: -16 is negative"}},
		{"host vcpus zero", "profiles:\n  - name: a\n    embodied: {total_kgco2e: 1, host_vcpus: 0, source: s}", []string{"embodied.host_vcpus"}},
		{"lifetime zero", "profiles:\n  - name: a\n    lifetime_years: 0\n    lifetime_source: s", []string{"lifetime_years: 0 would amortize", "4 is the SCI"}},
		{"lifetime negative", "profiles:\n  - name: a\n    lifetime_years: -4\n    lifetime_source: s", []string{"lifetime_years: -4 is negative"}},
		{"lifetime in months", "profiles:\n  - name: a\n    lifetime_years: 48\n    lifetime_source: s", []string{"lifetime_years: 48 is implausibly large"}},
		{"lifetime without source", "profiles:\n  - name: a\n    lifetime_years: 4", []string{"lifetime_source is required"}},
		{"bad date", "profiles:\n  - name: a\n    commissioned: 01/03/2022", []string{"commissioned: \"01/03/2022\" is not a date", "YYYY-MM-DD"}},
		{"future date", "profiles:\n  - name: a\n    commissioned: 2999-01-01", []string{"is in the future"}},
		{"negative vcpus", "profiles:\n  - name: a\n    vcpus: -8", []string{"vcpus: -8 is negative"}},
		{"zero memory", "profiles:\n  - name: a\n    memory_gib: 0", []string{"memory_gib: 0 must be greater than 0"}},
		{"pue below one", "profiles:\n  - name: a\n    pue: 0.9\n    pue_source: s", []string{"pue: 0.9 is out of range", "facility energy / IT energy"}},
		{"pue as percent", "profiles:\n  - name: a\n    pue: 113.5\n    pue_source: s", []string{"pue: 113.5 is out of range"}},
		{"pue and site", "profiles:\n  - name: a\n    pue: 1.2\n    pue_source: s\n    site: aws", []string{"set pue or site, not both"}},
		{"pue without source", "profiles:\n  - name: a\n    pue: 1.2", []string{"pue_source is required"}},
		{"power mixed", "profiles:\n  - name: a\n    power: {idle_w: 1, max_w: 2, idle_w_per_vcpu: 1, max_w_per_vcpu: 2, source: s}", []string{"not both"}},
		{"power half pair", "profiles:\n  - name: a\n    power: {idle_w: 100, source: s}", []string{"idle_w and max_w go together"}},
		{"power swapped", "profiles:\n  - name: a\n    power: {idle_w: 300, max_w: 100, source: s}", []string{"idle_w (300 W) is above max_w (100 W); swap them"}},
		{"power negative", "profiles:\n  - name: a\n    power: {idle_w_per_vcpu: -1, max_w_per_vcpu: 2, source: s}", []string{"power.idle_w_per_vcpu: -1 is negative"}},
		{"power empty", "profiles:\n  - name: a\n    power: {source: s}", []string{"power: set idle_w and max_w"}},
		{"power without source", "profiles:\n  - name: a\n    power: {idle_w: 1, max_w: 2}", []string{"power.source is required"}},
		{"extends itself", "profiles:\n  - name: a\n    extends: a", []string{"cannot extend itself"}},
		{"site missing pue", "sites:\n  - {name: x, source: s}", []string{"sites[0] (x): pue is required"}},
		{"site bad pue", "sites:\n  - {name: x, pue: 0, source: s}", []string{"sites[0] (x): pue: 0 is out of range"}},
		{"site without source", "sites:\n  - {name: x, pue: 1.2}", []string{"sites[0] (x): source is required"}},
		{"duplicate site", "sites:\n  - {name: x, pue: 1.2, source: s}\n  - {name: x, pue: 1.3, source: s}", []string{"sites[1] (x): duplicate site name"}},
		{"duplicate region", "sites:\n  - name: x\n    pue: 1.2\n    source: s\n    regions:\n      - {region: r, pue: 1.1, source: s}\n      - {region: r, pue: 1.1, source: s}", []string{"regions[1]: duplicate region"}},
		{"factors negative", "embodied_components: {base_server_kgco2e: 1000, base_memory_gb: 16, memory_kgco2e_per_gb: -1, source: s}", []string{"embodied_components.memory_kgco2e_per_gb: -1 is negative"}},
		{"factors without source", "embodied_components: {base_server_kgco2e: 1000}", []string{"embodied_components.source is required"}},
		{"rule without criteria", "rules:\n  - {profile: a}", []string{"rules[0]: set at least one of node_name, labels, selector"}},
		{"rule bad glob", "rules:\n  - {profile: a, node_name: \"[\"}", []string{"rules[0]: node_name: \"[\" is not a valid glob"}},
		{"rule bad selector", "rules:\n  - {profile: a, selector: \"a in (\"}", []string{"rules[0]: selector:"}},
		{"rule without profile", "rules:\n  - {node_name: x}", []string{"rules[0]: profile is required"}},
		{"nan", "profiles:\n  - name: a\n    pue: .nan\n    pue_source: s", []string{"pue: NaN is out of range"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// Problems that only show once files are merged.
func TestBuildRejectsIncompleteOrDanglingProfiles(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown base", "profiles:\n  - {name: a, extends: nope}", []string{"user.yaml: profile a: extends: unknown base profile \"nope\""}},
		{"cycle", "profiles:\n  - {name: a, extends: b}\n  - {name: b, extends: a}", []string{"extends: cycle through"}},
		{"no embodied", "profiles:\n  - {name: a, lifetime_years: 4, lifetime_source: s, site: aws}", []string{"profile a: embodied is required"}},
		{"no lifetime", "profiles:\n  - {name: a, embodied: {total_kgco2e: 1, source: s}, site: aws}", []string{"profile a: lifetime_years is required"}},
		{"no pue", "profiles:\n  - {name: a, embodied: {total_kgco2e: 1, source: s}, lifetime_years: 4, lifetime_source: s}", []string{"profile a: no PUE"}},
		{"unknown site", "profiles:\n  - {name: a, extends: generic-rack-server, site: moon}", []string{"site: unknown site \"moon\"", "aws, azure"}},
		{"rule to unknown profile", "rules:\n  - {profile: nope, node_name: x}", []string{"user.yaml: rules[0]: profile \"nope\" is not in the catalog"}},
		{"rule to abstract profile", "rules:\n  - {profile: aws-instance, node_name: x}", []string{"it is abstract"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, tc.yaml)
			_, err := Build(Source{Name: BuiltinName, File: Builtin()}, Source{Name: "user.yaml", File: f})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
	// Without the built-in catalog there are no component factors.
	f := mustParse(t, "profiles:\n  - {name: a, embodied: {components: {cpus: 1, memory_gb: 16}, source: s}, lifetime_years: 4, lifetime_source: s, pue: 1.2, pue_source: s}")
	if _, err := Build(Source{Name: "user.yaml", File: f}); err == nil || !strings.Contains(err.Error(), "needs embodied_components factors") {
		t.Errorf("components without factors: %v", err)
	}
}

func TestParseAcceptsUnquotedDates(t *testing.T) {
	f := mustParse(t, "profiles:\n  - name: a\n    commissioned: 2023-04-01\n  - name: b\n    commissioned: 2023-04-01T08:00:00Z")
	if f.Profiles[0].Commissioned != "2023-04-01" || f.Profiles[1].Commissioned != "2023-04-01T08:00:00Z" {
		t.Errorf("dates decoded as %q, %q", f.Profiles[0].Commissioned, f.Profiles[1].Commissioned)
	}
}

func mustParse(t *testing.T, s string) *File {
	t.Helper()
	f, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
