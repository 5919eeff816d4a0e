package filewatch

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestChanged(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.yaml")
	b := filepath.Join(dir, "b.yaml")
	write(t, a, "one")
	w := New(a, b)
	if w.Changed() {
		t.Fatal("changed without a change")
	}
	write(t, b, "appears")
	if !w.Changed() {
		t.Fatal("new file not seen")
	}
	if w.Changed() {
		t.Fatal("change reported twice")
	}
	// Same size, new content and time.
	time.Sleep(10 * time.Millisecond)
	write(t, a, "two")
	if !w.Changed() {
		t.Fatal("rewrite not seen")
	}
	// ConfigMap-style swap: a symlink pointing at a new file.
	link := filepath.Join(dir, "link.yaml")
	v1 := filepath.Join(dir, "v1.yaml")
	v2 := filepath.Join(dir, "v2.yaml")
	write(t, v1, "x")
	write(t, v2, "x")
	if err := os.Symlink(v1, link); err != nil {
		t.Fatal(err)
	}
	wl := New(link)
	tmp := filepath.Join(dir, "link.tmp")
	if err := os.Symlink(v2, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
	if !wl.Changed() {
		t.Fatal("symlink swap not seen")
	}
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	if !w.Changed() {
		t.Fatal("removal not seen")
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
