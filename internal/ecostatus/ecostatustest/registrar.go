// Package ecostatustest gives components' tests a host with a status
// registrar, so they can check that they register (and unregister) their
// ecostatus.Source the way the ecostatus extension sees it.
package ecostatustest

import (
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/ecotel/ecotel/internal/ecostatus"
)

// Registrar records registered sources, as the ecostatus extension does.
type Registrar struct {
	component.StartFunc
	component.ShutdownFunc

	mu      sync.Mutex
	sources map[component.ID]ecostatus.Source
}

var _ ecostatus.Registrar = (*Registrar)(nil)

// RegisterStatusSource implements ecostatus.Registrar.
func (r *Registrar) RegisterStatusSource(id component.ID, src ecostatus.Source) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sources == nil {
		r.sources = map[component.ID]ecostatus.Source{}
	}
	r.sources[id] = src
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.sources, id)
	}
}

// Sources returns the sources registered now, by component ID.
func (r *Registrar) Sources() map[component.ID]ecostatus.Source {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[component.ID]ecostatus.Source, len(r.sources))
	for id, src := range r.sources {
		out[id] = src
	}
	return out
}

// Host returns a host whose only extension is r.
func (r *Registrar) Host() component.Host {
	return host{Host: componenttest.NewNopHost(), ext: r}
}

type host struct {
	component.Host
	ext *Registrar
}

func (h host) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{component.MustNewID("ecostatus"): h.ext}
}
