// Package filewatch tells when any of a set of files changed, by polling
// their metadata. Polling rather than inotify because the files this receiver
// reads usually come from Kubernetes ConfigMap volumes, which are updated by
// swapping a symlinked directory — an event inotify watches on the file
// itself miss — and because a stat every few seconds costs nothing.
package filewatch

import (
	"context"
	"os"
	"syscall"
	"time"
)

// Watcher remembers the state of a set of files. It is not safe for
// concurrent use; one goroutine polls it.
type Watcher struct {
	paths  []string
	stamps []stamp
}

type stamp struct {
	exists  bool
	size    int64
	modTime time.Time
	inode   uint64
}

// New records the current state of paths.
func New(paths ...string) *Watcher {
	w := &Watcher{paths: append([]string(nil), paths...), stamps: make([]stamp, len(paths))}
	for i, p := range w.paths {
		w.stamps[i] = stampOf(p)
	}
	return w
}

// Changed reports whether any file's size, modification time or inode
// (through symlinks), or existence, differs from the last call (or New).
func (w *Watcher) Changed() bool {
	changed := false
	for i, p := range w.paths {
		s := stampOf(p)
		if s != w.stamps[i] {
			w.stamps[i] = s
			changed = true
		}
	}
	return changed
}

// Run checks the files every interval and calls onChange after each change,
// until ctx is done.
func (w *Watcher) Run(ctx context.Context, interval time.Duration, onChange func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if w.Changed() {
				onChange()
			}
		}
	}
}

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	s := stamp{exists: true, size: fi.Size(), modTime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.inode = st.Ino
	}
	return s
}
