//go:build integration

package autoscaling

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ecotel/ecotel/internal/e2e"
	"github.com/ecotel/ecotel/test/kube/kubetest"
)

// notManifests are the files of distribution/autoscaling that are not
// Kubernetes objects; promtool and the adapter tests check them.
var notManifests = map[string]bool{
	"prometheus-rules.yaml":          true,
	"prometheus-rules.test.yaml":     true,
	"prometheus-adapter/values.yaml": true,
}

// TestIntegrationAutoscalingManifestsApply server-side applies, in dry-run
// mode with strict field validation, every Kubernetes object shipped in
// distribution/autoscaling: schema, defaulting, validation and admission run
// in a real kube-apiserver, unknown or misspelt fields fail, nothing is
// stored.
//
// The KEDA ScaledObjects need KEDA's CRD, and KEDA cannot be installed here
// (its modules carry replace directives, so it cannot be built from the
// module proxy, and no cluster is reachable). scaledObjectCRD is a minimal
// stand-in written from KEDA's published CRD for the fields the recipes use
// — types, required fields, string-only trigger metadata — so the
// ScaledObjects are checked for shape, not for what KEDA's own admission
// webhook would add.
func TestIntegrationAutoscalingManifestsApply(t *testing.T) {
	api := kubetest.Start(t, kubetest.Options{})
	ctx := context.Background()
	installCRD(t, api, scaledObjectCRD)
	for _, ns := range []string{"jobs", "ecotel"} { // the namespaces the manifests name
		if _, err := api.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(api.Config)))
	dyn := dynamic.NewForConfigOrDie(api.Config)

	// apply server-side applies obj in dry-run mode with strict field
	// validation: nothing is stored, unknown fields are errors.
	apply := func(obj *unstructured.Unstructured) error {
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return err
		}
		body, err := obj.MarshalJSON()
		if err != nil {
			return err
		}
		_, err = dyn.Resource(m.Resource).Namespace(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
			FieldManager: "ecotel-autoscaling-test", DryRun: []string{metav1.DryRunAll}, Force: ptr.To(true),
			FieldValidation: metav1.FieldValidationStrict,
		})
		return err
	}

	dir := repoPath(t, "distribution/autoscaling")
	applied := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if notManifests[filepath.ToSlash(rel)] {
			return nil
		}
		objects := decodeObjects(t, path)
		if len(objects) == 0 {
			t.Errorf("%s: no Kubernetes object (list it in notManifests if it is not meant to hold any)", rel)
		}
		for _, obj := range objects {
			if err := apply(obj); err != nil {
				t.Errorf("%s: %s %s/%s: server-side dry-run apply: %v", rel, obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
				continue
			}
			applied++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d objects applied (dry run)", applied)

	// The checks bite: a numeric trigger value (KEDA wants strings) and a
	// misspelt HPA field are refused.
	so := decodeObjects(t, filepath.Join(dir, "keda/green-burst.yaml"))[0]
	triggers, _, _ := unstructured.NestedSlice(so.Object, "spec", "triggers")
	triggers[0].(map[string]any)["metadata"].(map[string]any)["threshold"] = int64(1)
	_ = unstructured.SetNestedSlice(so.Object, triggers, "spec", "triggers")
	hpa := decodeObjects(t, filepath.Join(dir, "hpa/green-burst.yaml"))[0]
	_ = unstructured.SetNestedField(hpa.Object, int64(20), "spec", "maxReplica")
	for _, bad := range []*unstructured.Unstructured{so, hpa} {
		if err := apply(bad); err == nil {
			t.Errorf("%s %s: a broken copy was accepted", bad.GetKind(), bad.GetName())
		} else {
			t.Logf("broken %s refused as expected: %v", bad.GetKind(), err)
		}
	}
}

func decodeObjects(t testing.TB, path string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	for {
		var obj unstructured.Unstructured
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(obj.Object) > 0 {
			out = append(out, &obj)
		}
	}
}

func installCRD(t testing.TB, api *kubetest.APIServer, manifest string) {
	t.Helper()
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict([]byte(manifest), &crd); err != nil {
		t.Fatal(err)
	}
	c := apiextensionsclient.NewForConfigOrDie(api.Config).ApiextensionsV1().CustomResourceDefinitions()
	if _, err := c.Create(context.Background(), &crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e2e.WaitUntil(t, 30*time.Second, "CRD "+crd.Name+" established", func() error {
		got, err := c.Get(context.Background(), crd.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("conditions %+v", got.Status.Conditions)
	})
}

// scaledObjectCRD is the minimal stand-in for KEDA's keda.sh ScaledObject
// CRD (see TestIntegrationAutoscalingManifestsApply): the fields of
// keda.sh/v1alpha1 the recipes use, typed as in KEDA's CRD, the rest of
// KEDA's spec (advanced, fallback) accepted unchecked.
const scaledObjectCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: scaledobjects.keda.sh
spec:
  group: keda.sh
  names: {kind: ScaledObject, listKind: ScaledObjectList, plural: scaledobjects, singular: scaledobject, shortNames: [so]}
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [scaleTargetRef, triggers]
              properties:
                scaleTargetRef:
                  type: object
                  required: [name]
                  properties:
                    apiVersion: {type: string}
                    kind: {type: string}
                    name: {type: string}
                    envSourceContainerName: {type: string}
                minReplicaCount: {type: integer, format: int32}
                maxReplicaCount: {type: integer, format: int32}
                idleReplicaCount: {type: integer, format: int32}
                cooldownPeriod: {type: integer, format: int32}
                initialCooldownPeriod: {type: integer, format: int32}
                pollingInterval: {type: integer, format: int32}
                advanced: {type: object, x-kubernetes-preserve-unknown-fields: true}
                fallback: {type: object, x-kubernetes-preserve-unknown-fields: true}
                triggers:
                  type: array
                  items:
                    type: object
                    required: [type, metadata]
                    properties:
                      type: {type: string}
                      name: {type: string}
                      metricType: {type: string, enum: [AverageValue, Value, Utilization]}
                      useCachedMetrics: {type: boolean}
                      metadata:
                        type: object
                        additionalProperties: {type: string}
                      authenticationRef:
                        type: object
                        required: [name]
                        properties:
                          name: {type: string}
                          kind: {type: string}
            status: {type: object, x-kubernetes-preserve-unknown-fields: true}
      subresources: {status: {}}
`
