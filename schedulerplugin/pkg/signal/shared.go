package signal

import (
	"context"
	"sync"
)

// Several plugins, and the same plugin in several scheduling profiles, may
// read the same source. They share one cache (one refresh loop, one set of
// queries) through this registry, keyed by the source's full configuration.
var shared = struct {
	sync.Mutex
	entries map[string]*sharedEntry
}{entries: map[string]*sharedEntry{}}

type sharedEntry struct {
	cache  *Cache
	refs   int
	cancel context.CancelFunc
}

// Acquire returns the running cache for key, creating and starting it with
// newCache when there is none. The cache runs until every holder has called
// the returned release function.
func Acquire(key string, newCache func() (*Cache, error)) (*Cache, func(), error) {
	shared.Lock()
	defer shared.Unlock()
	e, ok := shared.entries[key]
	if !ok {
		c, err := newCache()
		if err != nil {
			return nil, nil, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		e = &sharedEntry{cache: c, cancel: cancel}
		shared.entries[key] = e
		go c.Run(ctx)
	}
	e.refs++
	var once sync.Once
	release := func() {
		once.Do(func() {
			shared.Lock()
			defer shared.Unlock()
			e.refs--
			if e.refs == 0 {
				e.cancel()
				delete(shared.entries, key)
			}
		})
	}
	return e.cache, release, nil
}
