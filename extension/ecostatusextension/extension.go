package ecostatusextension

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/internal/ecostatus"
)

type statusServer struct {
	cfg      *Config
	settings extension.Settings
	server   *http.Server
	done     chan struct{}

	mu      sync.Mutex
	sources map[int]registered
	nextID  int
}

type registered struct {
	id  component.ID
	src ecostatus.Source
}

var _ ecostatus.Registrar = (*statusServer)(nil)

func newStatusServer(cfg *Config, set extension.Settings) *statusServer {
	return &statusServer{cfg: cfg, settings: set, sources: map[int]registered{}}
}

// RegisterStatusSource implements ecostatus.Registrar.
func (s *statusServer) RegisterStatusSource(id component.ID, src ecostatus.Source) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := s.nextID
	s.nextID++
	s.sources[key] = registered{id: id, src: src}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.sources, key)
	}
}

// snapshot merges every source's snapshot, sources in registration order.
func (s *statusServer) snapshot() (ecostatus.Snapshot, []string) {
	s.mu.Lock()
	keys := make([]int, 0, len(s.sources))
	for k := range s.sources {
		keys = append(keys, k)
	}
	srcs := make([]registered, 0, len(keys))
	for i := 0; i < s.nextID; i++ {
		if r, ok := s.sources[i]; ok {
			srcs = append(srcs, r)
		}
	}
	s.mu.Unlock()
	parts := make([]ecostatus.Snapshot, 0, len(srcs))
	names := make([]string, 0, len(srcs))
	for _, r := range srcs {
		parts = append(parts, r.src.StatusSnapshot())
		names = append(names, r.id.String())
	}
	return ecostatus.Merge(parts...), names
}

func (s *statusServer) Start(ctx context.Context, host component.Host) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handlePage)
	mux.HandleFunc("GET /api/v1/status", s.handleJSON)
	ln, err := s.cfg.ToListener(ctx)
	if err != nil {
		return err
	}
	s.server, err = s.cfg.ToServer(ctx, host.GetExtensions(), s.settings.TelemetrySettings, mux)
	if err != nil {
		ln.Close()
		return err
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.settings.Logger.Error("ecostatus server stopped", zap.Error(err))
		}
	}()
	s.settings.Logger.Info("eco status page listening", zap.String("url", "http://"+ln.Addr().String()+"/"))
	return nil
}

func (s *statusServer) Shutdown(ctx context.Context) error {
	if s.server == nil {
		return nil
	}
	err := s.server.Shutdown(ctx)
	<-s.done
	return err
}

// statusJSON is the API's response: the merged snapshot plus provenance.
type statusJSON struct {
	Generated time.Time `json:"generated"`
	Sources   []string  `json:"sources"`
	ecostatus.Snapshot
}

func (s *statusServer) handleJSON(w http.ResponseWriter, _ *http.Request) {
	snap, names := s.snapshot()
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(statusJSON{Generated: time.Now().UTC(), Sources: names, Snapshot: snap})
}

func (s *statusServer) handlePage(w http.ResponseWriter, _ *http.Request) {
	snap, names := s.snapshot()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := renderPage(w, newPageData(snap, names, s.cfg.TopPods, s.cfg.TopNodes, time.Now())); err != nil {
		s.settings.Logger.Warn("render status page", zap.Error(err))
	}
}
