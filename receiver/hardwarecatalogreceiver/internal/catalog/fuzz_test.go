package catalog

import "testing"

// FuzzLoadCatalog feeds arbitrary bytes to the catalog loader: parsing, then
// merging with the built-in catalog. It must never panic, and whatever it
// accepts must resolve to complete profiles with finite figures.
func FuzzLoadCatalog(f *testing.F) {
	f.Add(BuiltinYAML())
	f.Add([]byte("profiles:\n  - {name: a, extends: generic-rack-server, vcpus: 8}\n"))
	f.Add([]byte("profiles:\n  - {name: a, extends: b}\n  - {name: b, extends: a}\n"))
	f.Add([]byte("sites:\n  - {name: s, pue: 1.2, source: x, regions: [{region: r, pue: 1.1, source: y}]}\n"))
	f.Add([]byte("profiles:\n  - name: a\n    extends: generic-rack-server\n    embodied: {components: {cpus: 2, memory_gb: 256, gpus: 2}, source: s}\n"))
	f.Add([]byte("rules:\n  - {profile: aws-m5, selector: \"a in (b,c),!d\", node_name: \"x-*\"}\n"))
	f.Add([]byte("profiles: [{name: a, pue: .nan}]"))
	builtin := Builtin()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		c, err := Build(Source{Name: BuiltinName, File: builtin}, Source{Name: "fuzz", File: file})
		if err != nil {
			return
		}
		for _, name := range c.ProfileNames() {
			hw, _ := c.Profile(name)
			pue, _ := c.PUE(hw, "r")
			if !(hw.EmbodiedKgCO2e > 0) || !(hw.LifetimeYears > 0) || !(pue >= 1) {
				t.Fatalf("accepted incomplete profile %s: %+v (PUE %v)", name, hw, pue)
			}
		}
	})
}
