package alumetbridgereceiver

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
	"github.com/ecotel/ecotel/semconv"
)

// The versions the server announces in its GreetResponse: those of the
// Alumet release whose relay protocol this receiver was written against.
const (
	serverAlumetCoreVersion  = "0.9.5"
	serverRelayPluginVersion = "0.6.0"
	maxClientNameBytes       = 253 // a Kubernetes node name
	maxRoutesPerConnection   = 1 << 18
	greetWriteTimeout        = 10 * time.Second
)

// relayServer accepts Alumet relay clients, one goroutine per connection
// (Alumet's Helm chart opens one per node).
type relayServer struct {
	r      *alumetReceiver
	cfg    *RelayConfig
	ln     net.Listener
	wg     sync.WaitGroup
	open   atomic.Int64
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	names  map[string]int // connected client names, to warn about duplicates
	closed bool
}

func newRelayServer(r *alumetReceiver, cfg *RelayConfig) *relayServer {
	return &relayServer{r: r, cfg: cfg, conns: map[net.Conn]struct{}{}, names: map[string]int{}}
}

func (s *relayServer) start(ctx context.Context) error {
	ln, err := s.cfg.TCPAddrConfig.Listen(ctx)
	if err != nil {
		return fmt.Errorf("alumetbridge relay: listen on %s: %w", s.cfg.Endpoint, err)
	}
	if s.cfg.TLS.HasValue() {
		tlsCfg, err := s.cfg.TLS.Get().LoadTLSConfig(ctx)
		if err != nil {
			ln.Close()
			return fmt.Errorf("alumetbridge relay: tls: %w", err)
		}
		ln = tls.NewListener(ln, tlsCfg)
	}
	s.ln = ln
	s.r.set.Logger.Info("Alumet relay server listening", zap.String("endpoint", ln.Addr().String()),
		zap.Uint32("protocol_version", alumetrelay.ProtocolVersion))
	s.wg.Add(1)
	go s.acceptLoop()
	return nil
}

// addr is the bound address (tests bind port 0).
func (s *relayServer) addr() string { return s.ln.Addr().String() }

func (s *relayServer) acceptLoop() {
	defer s.wg.Done()
	var delay time.Duration
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off, keep serving.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.r.warn.Warn("accept", "Alumet relay server cannot accept a connection", zap.Error(err))
			time.Sleep(delay)
			continue
		}
		delay = 0
		if s.open.Load() >= int64(s.cfg.MaxConnections) {
			s.r.tb.ReceiverAlumetbridgeConnectionsRefused.Add(context.Background(), 1, refusedAttr("max_connections"))
			s.r.warn.Warn("max_connections", "Alumet relay connection refused: relay.max_connections reached; raise it or add collectors",
				zap.Int("max_connections", s.cfg.MaxConnections), zap.String("remote", conn.RemoteAddr().String()))
			conn.Close()
			continue
		}
		if !s.track(conn) {
			conn.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(conn)
			c := newRelayConn(s, conn)
			c.serve()
		}()
	}
}

func (s *relayServer) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[conn] = struct{}{}
	s.open.Add(1)
	s.r.tb.ReceiverAlumetbridgeConnections.Add(context.Background(), 1)
	return true
}

func (s *relayServer) untrack(conn net.Conn) {
	conn.Close()
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
	s.open.Add(-1)
	s.r.tb.ReceiverAlumetbridgeConnections.Add(context.Background(), -1)
}

// named records a greeted client name; Alumet's relay server does not warn
// about duplicate names (alumet#112), but two nodes sharing a name would
// merge their energy.
func (s *relayServer) named(name string, delta int) {
	s.mu.Lock()
	s.names[name] += delta
	n := s.names[name]
	if n <= 0 {
		delete(s.names, name)
	}
	s.mu.Unlock()
	if delta > 0 && n > 1 {
		s.r.warn.Warn("duplicate_client", "Two Alumet relay clients use the same client name; set client_name to the node name (Helm: ${NODE_NAME})",
			zap.String("client_name", name), zap.Int("connections", n))
	}
}

func (s *relayServer) shutdown() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	var err error
	if s.ln != nil {
		err = s.ln.Close()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
	}
	s.wg.Wait()
	return err
}

func refusedAttr(reason string) metric.AddOption {
	return metric.WithAttributes(attribute.String("reason", reason))
}

// frameAttrs holds the attribute sets of the frames counter, built once so
// counting a frame does not allocate.
var frameAttrs sync.Map // [2]string → []metric.AddOption

func frameAttr(kind, result string) []metric.AddOption {
	key := [2]string{kind, result}
	if o, ok := frameAttrs.Load(key); ok {
		return o.([]metric.AddOption)
	}
	o := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", kind), attribute.String("outcome", result)))}
	frameAttrs.Store(key, o)
	return o
}

// relayMetric is a metric a client registered.
type relayMetric struct {
	name    string
	unit    units.Unit
	unitOK  bool
	isFloat bool
}

type stagedPoint struct {
	e     *routeEntry
	value float64
	tsNs  int64
}

// relayConn serves one client connection.
type relayConn struct {
	s       *relayServer
	conn    net.Conn
	remote  string
	greeted bool
	name    string // client name from the Greet (may be empty)
	node    string // node identity: client name, or relay.node_name fallback
	metrics map[uint64]relayMetric
	routes  map[string]*routeEntry
	key     []byte
	staged  []stagedPoint
	counts  pointCounts
	out     []byte
}

func newRelayConn(s *relayServer, conn net.Conn) *relayConn {
	return &relayConn{s: s, conn: conn, remote: conn.RemoteAddr().String(),
		metrics: map[uint64]relayMetric{}, routes: map[string]*routeEntry{}}
}

func (c *relayConn) serve() {
	r := c.s.r
	ctx := context.Background()
	if tc, ok := c.conn.(*tls.Conn); ok {
		_ = tc.SetDeadline(time.Now().Add(c.s.cfg.ReadTimeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			c.refuse(ctx, "tls", "TLS handshake failed (is the client speaking plain TCP to a TLS relay?): "+err.Error())
			return
		}
		_ = tc.SetDeadline(time.Time{})
	}
	fr := alumetrelay.NewFrameReader(bufio.NewReaderSize(c.conn, 4096), c.s.cfg.MaxFrameBytes)
	defer fr.Close()
	defer func() {
		if c.greeted {
			c.s.named(c.name, -1)
		}
	}()
	for {
		if err := c.conn.SetReadDeadline(time.Now().Add(c.s.cfg.ReadTimeout)); err != nil {
			return
		}
		body, skipped, err := fr.Next()
		if skipped > 0 {
			r.decodeError(ctx, inputRelay, "resync")
			r.warn.Warn("resync", "Skipped bytes between Alumet relay frames (not a frame boundary); is something else writing to this port?",
				zap.String("client", c.name), zap.String("remote", c.remote), zap.Int("bytes", skipped))
		}
		if err != nil {
			c.readError(ctx, err)
			if errors.Is(err, alumetrelay.ErrFrameTooLarge) && c.greeted {
				continue // skipped by its length prefix; the stream is aligned
			}
			return
		}
		b, err := alumetrelay.ParseBody(body)
		if err != nil {
			r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("unknown", "malformed")...)
			r.decodeError(ctx, inputRelay, "malformed_frame")
			if !c.greeted {
				c.refuse(ctx, "no_greet", "first frame is not a decodable Greet")
				return
			}
			continue
		}
		if !c.greeted && b.Kind != alumetrelay.KindGreet {
			c.refuse(ctx, "no_greet", "first frame is a "+b.Kind.String()+", not a Greet")
			return
		}
		switch b.Kind {
		case alumetrelay.KindGreet:
			if !c.greet(ctx, fr, b) {
				return
			}
		case alumetrelay.KindRegisterMetrics:
			c.register(ctx, b.Payload)
		case alumetrelay.KindSendMeasurements:
			c.measurements(ctx, b.Payload)
		default:
			r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr(b.Kind.String(), "unexpected")...)
		}
	}
}

func (c *relayConn) readError(ctx context.Context, err error) {
	r := c.s.r
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.Is(err, alumetrelay.ErrFrameTooLarge):
		r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("unknown", "oversize")...)
		r.warn.Warn("oversize", "Alumet relay frame larger than relay.max_frame_bytes skipped; lower the client's buffer_max_length or raise the limit",
			zap.String("client", c.name), zap.Int("max_frame_bytes", c.s.cfg.MaxFrameBytes))
	case errors.Is(err, io.ErrUnexpectedEOF):
		r.decodeError(ctx, inputRelay, "truncated_frame")
		r.warn.Warn("truncated", "Alumet relay connection ended inside a frame; the partial frame is dropped",
			zap.String("client", c.name), zap.String("remote", c.remote))
	case errors.Is(err, alumetrelay.ErrOutOfSync):
		r.decodeError(ctx, inputRelay, "out_of_sync")
		r.warn.Warn("out_of_sync", "Alumet relay stream has no frame boundary within max_frame_bytes; closing the connection (the client reconnects)",
			zap.String("client", c.name), zap.String("remote", c.remote))
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			r.set.Logger.Info("Alumet relay connection idle for relay.read_timeout; closing it", zap.String("client", c.name),
				zap.Duration("read_timeout", c.s.cfg.ReadTimeout))
			return
		}
		r.warn.Warn("read", "Alumet relay connection failed", zap.String("client", c.name), zap.Error(err))
	}
}

func (c *relayConn) refuse(ctx context.Context, reason, why string) {
	c.s.r.tb.ReceiverAlumetbridgeConnectionsRefused.Add(ctx, 1, refusedAttr(reason))
	c.s.r.warn.Warn("refuse_"+reason, "Alumet relay connection closed: "+why, zap.String("remote", c.remote))
}

// greet answers a Greet. A mismatched protocol version is answered with
// accept=false (Alumet's own server just hangs up) and ends the connection.
func (c *relayConn) greet(ctx context.Context, fr *alumetrelay.FrameReader, b alumetrelay.Body) bool {
	r := c.s.r
	g, err := alumetrelay.DecodeGreet(b.Payload)
	if err != nil {
		r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("Greet", "malformed")...)
		r.decodeError(ctx, inputRelay, "malformed_frame")
		c.refuse(ctx, "no_greet", "malformed Greet: "+err.Error())
		return false
	}
	accept := g.ProtocolVersion == alumetrelay.ProtocolVersion
	c.out = alumetrelay.AppendGreetResponse(c.out[:0], "", alumetrelay.GreetResponse{
		Accept: accept, ServerAlumetCoreVersion: serverAlumetCoreVersion,
		ServerRelayPluginVersion: serverRelayPluginVersion, ProtocolVersion: alumetrelay.ProtocolVersion,
	})
	_ = c.conn.SetWriteDeadline(time.Now().Add(greetWriteTimeout))
	if _, err := c.conn.Write(c.out); err != nil {
		r.warn.Warn("greet_write", "Cannot answer an Alumet relay Greet", zap.String("remote", c.remote), zap.Error(err))
		return false
	}
	if !accept {
		r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("Greet", "accepted")...)
		c.refuse(ctx, "version_mismatch", fmt.Sprintf("client speaks relay protocol %d, this receiver speaks %d (Alumet v0.7.0 to v0.9.x); upgrade the Alumet agent",
			g.ProtocolVersion, alumetrelay.ProtocolVersion))
		return false
	}
	name := string(b.Sender)
	if len(name) > maxClientNameBytes {
		r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("Greet", "malformed")...)
		c.refuse(ctx, "bad_client_name", "client_name longer than a Kubernetes node name")
		return false
	}
	r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("Greet", "accepted")...)
	if c.greeted {
		c.s.named(c.name, -1)
	}
	c.greeted, c.name, c.node = true, name, name
	if c.node == "" {
		c.node = r.cfg.NodeName
		r.warn.Warn("empty_client_name", "Alumet relay client greeted with an empty client_name; its points need a k8s `node` attribute or node_name (set client_name = \"${NODE_NAME}\")",
			zap.String("remote", c.remote))
	}
	c.s.named(name, 1)
	fr.SetSender(name)
	// A Greet starts a new session: metric ids are the client's again, and its
	// counters restart (the agent restarted or lost frames while away).
	clear(c.metrics)
	clear(c.routes)
	r.store.NodeGreeted(c.node)
	r.set.Logger.Info("Alumet relay client connected", zap.String("client", name), zap.String("remote", c.remote),
		zap.String("alumet_core_version", g.AlumetCoreVersion), zap.String("relay_plugin_version", g.RelayPluginVersion))
	return true
}

func (c *relayConn) register(ctx context.Context, payload []byte) {
	r := c.s.r
	ms, err := alumetrelay.DecodeRegisterMetrics(payload, nil)
	if err != nil {
		r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("RegisterMetrics", "malformed")...)
		r.decodeError(ctx, inputRelay, "malformed_frame")
		r.warn.Warn("malformed_register", "Malformed Alumet RegisterMetrics frame dropped; points of its metrics will count as unknown_metric",
			zap.String("client", c.name), zap.Error(err))
		return
	}
	r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("RegisterMetrics", "accepted")...)
	for _, m := range ms {
		u, ok := units.FromRelay(m.Unit.Base, m.Unit.Prefix)
		if !ok {
			r.warn.Warn("custom_unit", "Alumet metric with a custom unit; its points are dropped (unsupported_unit)",
				zap.String("client", c.name), zap.String("metric", m.Name), zap.String("unit", m.Unit.Prefix+m.Unit.Base))
		}
		c.metrics[m.ID] = relayMetric{name: m.Name, unit: u, unitOK: ok, isFloat: m.ValueType == alumetrelay.ValueTypeF64}
	}
	// Ids may have been redefined.
	clear(c.routes)
}

// measurements decodes a SendMeasurements frame into staged points, then
// applies them only if the whole frame decoded: a corrupt frame must not
// leave half its points counted.
func (c *relayConn) measurements(ctx context.Context, payload []byte) {
	r := c.s.r
	now := time.Now().UnixNano()
	mr, err := alumetrelay.NewMeasurementReader(payload)
	c.staged = c.staged[:0]
	var p alumetrelay.PointView
	for err == nil && mr.Next(&p) {
		c.key = p.AppendIdentity(c.key[:0])
		e := c.routes[string(c.key)]
		if e == nil {
			e = c.route(&p)
			if len(c.routes) >= maxRoutesPerConnection {
				clear(c.routes)
			}
			c.routes[string(c.key)] = e
		}
		value, ok := p.Value.Float()
		switch {
		case e.route == nil:
			c.counts.byOutcome[e.drop]++
		case !ok:
			c.counts.byOutcome[outcomeInvalidValue]++
		case p.Nanos >= 1e9 || p.Secs > 1<<33:
			c.counts.byOutcome[outcomeInvalidTimestamp]++
		default:
			c.staged = append(c.staged, stagedPoint{e: e, value: value, tsNs: int64(p.Secs)*1e9 + int64(p.Nanos)})
		}
	}
	if err == nil {
		err = mr.Err()
	}
	if err != nil {
		r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("SendMeasurements", "malformed")...)
		r.decodeError(ctx, inputRelay, "malformed_frame")
		r.warn.Warn("malformed_measurements", "Malformed Alumet SendMeasurements frame dropped whole",
			zap.String("client", c.name), zap.Int("points_declared", mr.Len()), zap.Error(err))
		c.counts = pointCounts{}
		c.counts.byOutcome[outcomeMalformedFrame] = int64(mr.Len())
		r.report(ctx, inputRelay, &c.counts)
		return
	}
	for i := range c.staged {
		sp := &c.staged[i]
		r.apply(sp.e, sp.value, sp.tsNs, now, &c.counts)
	}
	r.tb.ReceiverAlumetbridgeFrames.Add(ctx, 1, frameAttr("SendMeasurements", "accepted")...)
	r.report(ctx, inputRelay, &c.counts)
}

// route maps a new series of this connection (cache miss).
func (c *relayConn) route(p *alumetrelay.PointView) *routeEntry {
	m, ok := c.metrics[p.MetricID]
	if !ok {
		c.s.r.warn.Warn("unknown_metric", "Alumet point with a metric id the client never registered; dropped",
			zap.String("client", c.name), zap.Uint64("metric_id", p.MetricID))
		return &routeEntry{drop: outcomeUnknownMetric}
	}
	if !m.unitOK {
		return &routeEntry{drop: outcomeUnsupportedUnit}
	}
	mp := mapping.Point{
		Source: semconv.AttrEnergySourceAlumetRelay, Metric: m.name, Unit: m.unit, HasUnit: true,
		ResourceKind: string(p.ResourceKind), ResourceID: string(p.ResourceID),
		ConsumerKind: string(p.ConsumerKind), ConsumerID: string(p.ConsumerID),
		ClientNode: c.node,
	}
	it := p.Attributes()
	var v alumetrelay.ValueView
	for key, ok := it.Next(&v); ok; key, ok = it.Next(&v) {
		mp.Attributes = append(mp.Attributes, mapping.Attribute{Key: string(key), Value: attrString(&v)})
	}
	return c.s.r.newRouteEntry(&mp, true)
}

// attrString renders an attribute value as Alumet's Display does (except
// for ListU64, whose Display is buggy in Alumet).
func attrString(v *alumetrelay.ValueView) string {
	switch v.Kind {
	case alumetrelay.ValueStr:
		return string(v.Str)
	case alumetrelay.ValueBool:
		if v.Bool {
			return "true"
		}
		return "false"
	case alumetrelay.ValueU64:
		return fmt.Sprint(v.U64)
	case alumetrelay.ValueF64:
		return fmt.Sprint(v.F64)
	case alumetrelay.ValueListU64:
		return fmt.Sprint(v.List())
	}
	return ""
}
