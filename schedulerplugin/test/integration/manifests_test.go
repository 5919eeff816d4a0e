//go:build integration

package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/ecotel/ecotel/internal/e2e"
)

// TestIntegrationManifestsApplyCleanly server-side applies every shipped
// manifest in dry-run mode against a real kube-apiserver: schema, defaults
// and admission run; nothing is stored.
func TestIntegrationManifestsApplyCleanly(t *testing.T) {
	c := startCluster(t)
	dc := discovery.NewDiscoveryClientForConfigOrDie(c.config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn := dynamic.NewForConfigOrDie(c.config)
	// The apiserver creates kube-system shortly after it is ready.
	e2e.WaitUntil(t, 30*time.Second, "namespace kube-system", func() error {
		_, err := c.client.CoreV1().Namespaces().Get(context.Background(), "kube-system", metav1.GetOptions{})
		return err
	})

	files, err := filepath.Glob("../../manifests/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	force := true
	applied := 0
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue // a kustomize file, not an API object
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
		for {
			var obj unstructured.Unstructured
			if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			gvk := obj.GroupVersionKind()
			m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				t.Fatalf("%s: %s: %v", file, gvk, err)
			}
			body, err := obj.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			res := dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
			if _, err := res.Patch(context.Background(), obj.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
				FieldManager: "ecotel-manifests-test", DryRun: []string{metav1.DryRunAll}, Force: &force,
			}); err != nil {
				t.Errorf("%s: %s %s/%s: server-side dry-run apply: %v", filepath.Base(file), gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
				continue
			}
			applied++
		}
	}
	if applied != 8 {
		t.Errorf("applied %d objects, want the 8 of rbac.yaml, config.yaml and deployment.yaml", applied)
	}
}
