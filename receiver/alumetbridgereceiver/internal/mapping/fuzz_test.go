package mapping

import "testing"

// FuzzParseCgroupPath: any path parses without panicking; a container id is
// only reported with a pod uid.
func FuzzParseCgroupPath(f *testing.F) {
	for _, s := range []string{
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f32d849_6210_4886_a48d_e0d90e1d0206.slice/crio-abc.scope",
		"0::/kubepods/burstable/pod5f32d849-6210-4886-a48d-e0d90e1d0206/0123456789abcdef", "pod.slice", ":", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		uid, container := ParseCgroupPath(path)
		if container != "" && uid == "" {
			t.Fatalf("container %q without pod in %q", container, path)
		}
		if uid != "" && !isUID(uid) {
			t.Fatalf("uid %q", uid)
		}
	})
}
