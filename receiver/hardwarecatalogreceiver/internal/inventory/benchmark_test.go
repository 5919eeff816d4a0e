package inventory

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// BenchmarkPodFromAPI measures converting one pod (a Deployment's pod with a
// sidecar), which the informer's event handler does once per add or update.
func BenchmarkPodFromAPI(b *testing.B) {
	always := corev1.ContainerRestartPolicyAlways
	full := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-7d9f8c7b4-x2x7q", Namespace: "shop", UID: "u",
			Labels:          map[string]string{"pod-template-hash": "7d9f8c7b4", "app": "web"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-7d9f8c7b4", Controller: ptr.To(true)}},
		},
		Spec: corev1.PodSpec{
			NodeName:       "n1",
			InitContainers: []corev1.Container{{Name: "mesh", Resources: res("100m", "64Mi"), RestartPolicy: &always}},
			Containers:     []corev1.Container{{Name: "app", Resources: res("500m", "256Mi")}, {Name: "cache", Resources: res("250m", "256Mi")}},
		},
	}
	obj, _ := slimPod(full)
	p := obj.(*corev1.Pod)
	b.ReportAllocs()
	for b.Loop() {
		if PodFromAPI(p).Deployment != "web" {
			b.Fatal("deployment")
		}
	}
}
