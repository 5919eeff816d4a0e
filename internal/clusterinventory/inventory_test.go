package clusterinventory

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `nodes:
  - name: node-a
    labels: {node.kubernetes.io/instance-type: m5.xlarge, ecotel.io/grid-zone: FR}
    allocatable: {cpu: "4", memory: 16Gi}
  - name: node-b
    allocatable: {cpu: 3500m, memory: 8Gi}
    capacity: {cpu: "4", memory: 8Gi}
pods:
  - uid: 6f1c0a52-0001
    name: web-1
    namespace: shop
    node: node-a
    deployment: web
    requests: {cpu: 500m, memory: 256Mi}
`

func TestParseRoundTrip(t *testing.T) {
	inv, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := inv.Nodes[1].Allocatable.CPUCores(); got != 3.5 {
		t.Errorf("node-b cpu = %v, want 3.5", got)
	}
	if got, _ := inv.Nodes[1].Capacity.CPUCores(); got != 4 {
		t.Errorf("node-b capacity cpu = %v, want 4", got)
	}
	if got, _ := inv.Pods[0].Requests.MemoryBytes(); got != 256*1024*1024 {
		t.Errorf("web-1 memory = %v", got)
	}
	var b bytes.Buffer
	if err := inv.Write(&b); err != nil {
		t.Fatal(err)
	}
	again, err := Parse(b.Bytes())
	if err != nil {
		t.Fatalf("re-parse written inventory: %v\n%s", err, b.String())
	}
	if again.Pods[0].Deployment != "web" || again.Nodes[0].Labels["ecotel.io/grid-zone"] != "FR" {
		t.Errorf("round trip lost data: %+v", again)
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown field":   {"nodes:\n  - name: a\n    alocatable: {cpu: 1}\n", "field alocatable not found"},
		"bad quantity":    {"nodes:\n  - name: a\n    allocatable: {cpu: four}\n", `nodes[0] (a): allocatable.cpu: "four" is not a Kubernetes quantity`},
		"negative":        {"nodes:\n  - name: a\n    allocatable: {memory: -1Gi}\n", "is negative"},
		"bad capacity":    {"nodes:\n  - name: a\n    capacity: {cpu: lots}\n", `nodes[0] (a): capacity.cpu: "lots" is not a Kubernetes quantity`},
		"dangling node":   {"nodes: []\npods:\n  - {uid: u, name: p, namespace: n, node: ghost}\n", `node "ghost" is not in nodes`},
		"duplicate uid":   {"nodes: [{name: a}]\npods:\n  - {uid: u, name: p, namespace: n, node: a}\n  - {uid: u, name: q, namespace: n, node: a}\n", `duplicate uid "u"`},
		"duplicate node":  {"nodes: [{name: a}, {name: a}]\n", "duplicate node name"},
		"missing name":    {"nodes: [{labels: {x: y}}]\n", "name is required"},
		"not yaml at all": {"\x00\x01{", "yaml"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("nodes: [{name: a, allocatable: {cpu: 1e3}}]"))
	f.Add([]byte("pods: [{uid: x}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses must survive a write/parse round trip.
		var b bytes.Buffer
		if err := inv.Write(&b); err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(b.Bytes()); err != nil {
			t.Fatalf("written inventory does not parse: %v\n%s", err, b.String())
		}
	})
}
