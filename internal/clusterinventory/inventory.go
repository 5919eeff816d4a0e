// Package clusterinventory reads and writes the static cluster inventory: a
// YAML description of a cluster's Nodes (labels, annotations, allocatable
// resources) and Pods (owner, node, resource requests), shaped like the
// Kubernetes objects it stands for. The hardwarecatalog receiver reads it
// instead of watching the Kubernetes API (demo, tests, scale runs, sites
// without API access), and alumet-sim reads it to know what to simulate, or
// writes the one it generated, so energy and hardware data describe the same
// cluster.
package clusterinventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Inventory is a cluster's nodes and pods.
type Inventory struct {
	Nodes []Node `yaml:"nodes"`
	Pods  []Pod  `yaml:"pods"`
}

// Node is the part of a Kubernetes Node that ecotel uses.
type Node struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
	Allocatable Resources         `yaml:"allocatable"`
	// Capacity is the node's total resources (status.capacity), when known;
	// consumers fall back to Allocatable.
	Capacity Resources `yaml:"capacity,omitempty"`
}

// Pod is the part of a Kubernetes Pod that ecotel uses.
type Pod struct {
	UID       string `yaml:"uid"`
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace"`
	Node      string `yaml:"node"`
	// Deployment is the owning Deployment's name, when there is one.
	Deployment string `yaml:"deployment,omitempty"`
	// Requests are the pod's effective requests, summed over its containers.
	Requests Resources `yaml:"requests"`
}

// Resources holds Kubernetes quantities ("500m", "2", "16Gi").
type Resources struct {
	CPU    string `yaml:"cpu,omitempty"`
	Memory string `yaml:"memory,omitempty"`
}

// CPUCores returns the CPU quantity in cores (0 when unset).
func (r Resources) CPUCores() (float64, error) { return quantity(r.CPU) }

// MemoryBytes returns the memory quantity in bytes (0 when unset).
func (r Resources) MemoryBytes() (float64, error) { return quantity(r.Memory) }

func quantity(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a Kubernetes quantity (e.g. 500m, 2, 16Gi)", s)
	}
	v := q.AsApproximateFloat64()
	if v < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return v, nil
}

// Load reads and validates an inventory file.
func Load(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	inv, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("inventory %s: %w", path, err)
	}
	return inv, nil
}

// Parse decodes and validates inventory YAML. Unknown fields are errors, so a
// misspelt key is reported instead of silently ignored.
func Parse(data []byte) (*Inventory, error) {
	var inv Inventory
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&inv); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := inv.Validate(); err != nil {
		return nil, err
	}
	return &inv, nil
}

// Validate returns every problem, each naming the object and the field.
func (inv *Inventory) Validate() error {
	var errs []error
	nodes := make(map[string]bool, len(inv.Nodes))
	for i, n := range inv.Nodes {
		where := fmt.Sprintf("nodes[%d]", i)
		if n.Name == "" {
			errs = append(errs, fmt.Errorf("%s: name is required", where))
		} else {
			where = fmt.Sprintf("nodes[%d] (%s)", i, n.Name)
		}
		if nodes[n.Name] && n.Name != "" {
			errs = append(errs, fmt.Errorf("%s: duplicate node name", where))
		}
		nodes[n.Name] = true
		if _, err := n.Allocatable.CPUCores(); err != nil {
			errs = append(errs, fmt.Errorf("%s: allocatable.cpu: %w", where, err))
		}
		if _, err := n.Allocatable.MemoryBytes(); err != nil {
			errs = append(errs, fmt.Errorf("%s: allocatable.memory: %w", where, err))
		}
		if _, err := n.Capacity.CPUCores(); err != nil {
			errs = append(errs, fmt.Errorf("%s: capacity.cpu: %w", where, err))
		}
		if _, err := n.Capacity.MemoryBytes(); err != nil {
			errs = append(errs, fmt.Errorf("%s: capacity.memory: %w", where, err))
		}
	}
	uids := make(map[string]bool, len(inv.Pods))
	for i, p := range inv.Pods {
		where := fmt.Sprintf("pods[%d] (%s/%s)", i, p.Namespace, p.Name)
		switch {
		case p.UID == "":
			errs = append(errs, fmt.Errorf("%s: uid is required", where))
		case uids[p.UID]:
			errs = append(errs, fmt.Errorf("%s: duplicate uid %q", where, p.UID))
		}
		uids[p.UID] = true
		if p.Name == "" || p.Namespace == "" {
			errs = append(errs, fmt.Errorf("%s: name and namespace are required", where))
		}
		if !nodes[p.Node] {
			errs = append(errs, fmt.Errorf("%s: node %q is not in nodes (add it, or fix the pod's node)", where, p.Node))
		}
		if _, err := p.Requests.CPUCores(); err != nil {
			errs = append(errs, fmt.Errorf("%s: requests.cpu: %w", where, err))
		}
		if _, err := p.Requests.MemoryBytes(); err != nil {
			errs = append(errs, fmt.Errorf("%s: requests.memory: %w", where, err))
		}
	}
	return errors.Join(errs...)
}

// Write encodes the inventory as YAML.
func (inv *Inventory) Write(w io.Writer) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(inv); err != nil {
		return err
	}
	return enc.Close()
}

// WriteFile writes the inventory to path.
func (inv *Inventory) WriteFile(path string) error {
	var b bytes.Buffer
	if err := inv.Write(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
