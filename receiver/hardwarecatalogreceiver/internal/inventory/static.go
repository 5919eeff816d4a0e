package inventory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ecotel/ecotel/internal/clusterinventory"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/filewatch"
)

// Static serves a static inventory file, re-read when it changes. A file that
// fails to load on reload is reported and ignored: the previous inventory
// stays in use.
type Static struct {
	path          string
	reloadEvery   time.Duration
	logger        *zap.Logger
	onReloadError func(error)

	mu   sync.RWMutex
	snap Snapshot

	cancel context.CancelFunc
	done   chan struct{}
}

// NewStatic returns a source for the inventory file at path, polled for
// changes every reloadEvery (0 disables reloading). onReloadError is called
// for every rejected reload (for the receiver's own telemetry); may be nil.
func NewStatic(path string, reloadEvery time.Duration, logger *zap.Logger, onReloadError func(error)) *Static {
	if onReloadError == nil {
		onReloadError = func(error) {}
	}
	return &Static{path: path, reloadEvery: reloadEvery, logger: logger, onReloadError: onReloadError}
}

// Start loads the file; an unusable file is an error.
func (s *Static) Start(context.Context) error {
	watcher := filewatch.New(s.path)
	snap, err := LoadStatic(s.path)
	if err != nil {
		return err
	}
	s.set(snap)
	s.logger.Info("Static cluster inventory loaded", zap.String("path", s.path), zap.Int("nodes", len(snap.Nodes)), zap.Int("pods", len(snap.Pods)))
	if s.reloadEvery <= 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		watcher.Run(ctx, s.reloadEvery, s.Reload)
	}()
	return nil
}

// Reload re-reads the file now; on failure the previous inventory is kept.
func (s *Static) Reload() {
	snap, err := LoadStatic(s.path)
	if err != nil {
		s.onReloadError(err)
		s.logger.Warn("Static cluster inventory changed but cannot be loaded; keeping the previous one (fix the file; it is re-read when it changes again)",
			zap.String("path", s.path), zap.Error(err))
		return
	}
	s.set(snap)
	s.logger.Info("Static cluster inventory reloaded", zap.String("path", s.path), zap.Int("nodes", len(snap.Nodes)), zap.Int("pods", len(snap.Pods)))
}

func (s *Static) set(snap Snapshot) {
	s.mu.Lock()
	s.snap = snap
	s.mu.Unlock()
}

// Snapshot returns the current inventory. Callers must not modify it.
func (s *Static) Snapshot() (Snapshot, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.snap, true
}

// Shutdown stops polling.
func (s *Static) Shutdown(context.Context) error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
	return nil
}

// LoadStatic reads an inventory file into a snapshot.
func LoadStatic(path string) (Snapshot, error) {
	inv, err := clusterinventory.Load(path)
	if err != nil {
		return Snapshot{}, fmt.Errorf("load static inventory: %w", err)
	}
	return FromInventory(inv), nil
}

// FromInventory converts a validated static inventory. Quantities were
// checked by clusterinventory.Validate, so conversion errors cannot occur.
func FromInventory(inv *clusterinventory.Inventory) Snapshot {
	var snap Snapshot
	for _, n := range inv.Nodes {
		node := Node{Name: n.Name, Labels: n.Labels, Annotations: n.Annotations}
		node.AllocatableCPU, _ = n.Allocatable.CPUCores()
		node.AllocatableMemoryBytes, _ = n.Allocatable.MemoryBytes()
		node.CapacityCPU, _ = n.Capacity.CPUCores()
		node.CapacityMemoryBytes, _ = n.Capacity.MemoryBytes()
		snap.Nodes = append(snap.Nodes, node)
	}
	for _, p := range inv.Pods {
		pod := Pod{UID: p.UID, Name: p.Name, Namespace: p.Namespace, NodeName: p.Node, Deployment: p.Deployment}
		pod.CPURequest, _ = p.Requests.CPUCores()
		pod.MemoryRequestBytes, _ = p.Requests.MemoryBytes()
		snap.Pods = append(snap.Pods, pod)
	}
	sortSnapshot(&snap)
	return snap
}
