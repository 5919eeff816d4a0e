package hardwarecatalogreceiver // import "github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver"

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"k8s.io/client-go/kubernetes"

	"github.com/ecotel/ecotel/internal/ecostatus"
	"github.com/ecotel/ecotel/internal/gridzone"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/filewatch"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/inventory"
	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/metadata"
	"github.com/ecotel/ecotel/semconv"
)

// hwScraper emits, at every collection, one resource per node (hardware
// figures, allocatable resources) and one per pod (requests) from the current
// inventory snapshot and catalog.
type hwScraper struct {
	cfg       *Config
	logger    *zap.Logger
	mb        *metadata.MetricsBuilder
	telemetry *metadata.TelemetryBuilder

	source      inventory.Source
	resolver    atomic.Pointer[resolver]
	defaultZone string
	now         func() time.Time

	// reported remembers, per node, the problems already logged (key →
	// value), so that a persisting problem is logged and counted once. Only
	// scrape touches it; the controller serializes scrapes.
	reported map[string]map[string]string
	synced   bool

	stopReload context.CancelFunc
	reloadDone chan struct{}

	id               component.ID
	status           nodeStatus
	unregisterStatus func()
}

func newScraper(cfg *Config, set receiver.Settings) (*hwScraper, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	s := &hwScraper{
		cfg:       cfg,
		logger:    set.Logger,
		mb:        metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		telemetry: tb,
		now:       time.Now,
		reported:  map[string]map[string]string{},
		id:        set.ID,
	}
	if cfg.DefaultZone != "" {
		z, err := gridzone.Lookup(cfg.DefaultZone)
		if err != nil {
			return nil, fmt.Errorf("default_zone: %w", err)
		}
		s.defaultZone = z.Code
	}
	return s, nil
}

func (s *hwScraper) start(ctx context.Context, host component.Host) error {
	s.unregisterStatus = ecostatus.Register(host, s.id, &s.status)
	// Stamp the catalog files before reading them, so a change during the
	// load is picked up by the first poll.
	catalogWatcher := filewatch.New(s.cfg.Catalog.Files...)
	r, err := s.cfg.loadMatcher()
	if err != nil {
		return err
	}
	s.resolver.Store(r)
	s.logCatalog(r, "Hardware catalog loaded")

	switch s.cfg.Inventory.Source {
	case SourceStatic:
		s.source = inventory.NewStatic(s.cfg.Inventory.Path, s.cfg.ReloadInterval, s.logger, func(error) {
			s.telemetry.ReceiverHardwarecatalogInventoryLoadErrors.Add(context.Background(), 1)
		})
	default:
		restCfg, err := s.cfg.APIConfig.RESTConfig("otelcol-eco/hardwarecatalog")
		if err != nil {
			return err
		}
		client, err := kubernetes.NewForConfig(restCfg)
		if err != nil {
			return fmt.Errorf("kubernetes client: %w", err)
		}
		s.source = inventory.NewKubernetes(client, s.logger)
	}
	if err := s.source.Start(ctx); err != nil {
		return err
	}

	if s.cfg.ReloadInterval > 0 && len(s.cfg.Catalog.Files) > 0 {
		reloadCtx, cancel := context.WithCancel(context.Background())
		s.stopReload, s.reloadDone = cancel, make(chan struct{})
		go func() {
			defer close(s.reloadDone)
			catalogWatcher.Run(reloadCtx, s.cfg.ReloadInterval, s.reloadCatalog)
		}()
	}
	return nil
}

func (s *hwScraper) shutdown(ctx context.Context) error {
	if s.unregisterStatus != nil {
		s.unregisterStatus()
	}
	if s.stopReload != nil {
		s.stopReload()
		<-s.reloadDone
		s.stopReload = nil
	}
	var err error
	if s.source != nil {
		err = s.source.Shutdown(ctx)
	}
	s.telemetry.Shutdown()
	return err
}

// reloadCatalog swaps in the changed catalog files; a catalog that does not
// load keeps the previous one in use.
func (s *hwScraper) reloadCatalog() {
	r, err := s.cfg.loadMatcher()
	if err != nil {
		s.telemetry.ReceiverHardwarecatalogCatalogLoadErrors.Add(context.Background(), 1)
		s.logger.Error("Hardware catalog changed but cannot be used; keeping the previous catalog (fix the file; it is re-read when it changes again)", zap.Error(err))
		return
	}
	s.resolver.Store(r)
	s.telemetry.ReceiverHardwarecatalogCatalogReloads.Add(context.Background(), 1)
	s.logCatalog(r, "Hardware catalog reloaded")
}

func (s *hwScraper) logCatalog(r *resolver, msg string) {
	s.logger.Info(msg, zap.Strings("files", s.cfg.Catalog.Files), zap.Bool("builtin", s.cfg.Catalog.Builtin),
		zap.Int("profiles", len(r.catalog.ProfileNames())))
	for _, o := range r.catalog.Overrides {
		s.logger.Info("Catalog override", zap.String("override", o))
	}
}

func (s *hwScraper) scrape(ctx context.Context) (pmetric.Metrics, error) {
	snap, ok := s.source.Snapshot()
	if !ok {
		s.logger.Debug("Cluster inventory not listed yet; nothing to report")
		return pmetric.NewMetrics(), nil
	}
	if !s.synced {
		s.synced = true
		s.logger.Info("Cluster inventory ready", zap.Int("nodes", len(snap.Nodes)), zap.Int("pods", len(snap.Pods)))
	}
	r := s.resolver.Load()
	now := s.now()
	ts := pcommon.NewTimestampFromTime(now)

	var matched, unmatched, unresolved int64
	statusNodes := make([]ecostatus.Node, 0, len(snap.Nodes))
	for _, n := range snap.Nodes {
		f := r.characterize(n, s.defaultZone, now)
		s.report(ctx, f)
		statusNodes = append(statusNodes, f.status())
		switch f.Match {
		case semconv.AttrHardwareMatchFallback:
			unmatched++
		default:
			matched++
		}
		if f.ZoneSource == semconv.AttrGridZoneSourceUnresolved {
			unresolved++
		}
		s.recordNode(ts, f)
	}
	s.forgetGone(snap.Nodes)
	s.status.set(statusNodes)
	for _, p := range snap.Pods {
		s.recordPod(ts, p)
	}
	s.telemetry.ReceiverHardwarecatalogNodesDiscovered.Record(ctx, int64(len(snap.Nodes)))
	s.telemetry.ReceiverHardwarecatalogNodesMatched.Record(ctx, matched)
	s.telemetry.ReceiverHardwarecatalogNodesUnmatched.Record(ctx, unmatched)
	s.telemetry.ReceiverHardwarecatalogNodesZoneUnresolved.Record(ctx, unresolved)
	s.telemetry.ReceiverHardwarecatalogPods.Record(ctx, int64(len(snap.Pods)))
	return s.mb.Emit(), nil
}

func (s *hwScraper) recordNode(ts pcommon.Timestamp, f nodeFacts) {
	mb := s.mb
	mb.RecordEcoNodeInfoDataPoint(ts, 1, metadata.MapAttributeEcoHardwareMatch[f.Match], metadata.MapAttributeEcoGridZoneSource[f.ZoneSource])
	mb.RecordEcoNodePueDataPoint(ts, f.PUE)
	mb.RecordEcoNodeLifetimeDataPoint(ts, f.LifetimeS)
	if f.HasEmbodied {
		mb.RecordEcoNodeEmbodiedTotalDataPoint(ts, f.EmbodiedG)
		mb.RecordEcoNodeEmbodiedRateDataPoint(ts, f.EmbodiedRateGPerH)
	}
	if f.HasAge {
		mb.RecordEcoNodeAgeDataPoint(ts, f.AgeS)
	}
	if f.VCPUs > 0 {
		mb.RecordEcoNodeVcpusDataPoint(ts, f.VCPUs)
	}
	if f.MemoryBytes > 0 {
		mb.RecordEcoNodeMemoryDataPoint(ts, int64(f.MemoryBytes))
	}
	if f.HasPower {
		mb.RecordEcoNodePowerIdleDataPoint(ts, f.PowerIdleW)
		mb.RecordEcoNodePowerMaxDataPoint(ts, f.PowerMaxW)
	}
	// Unknown allocatable (0) is left out: as a share's denominator it would
	// make every pod's share infinite.
	if f.AllocatableCPU > 0 {
		mb.RecordK8sNodeAllocatableCPUDataPoint(ts, f.AllocatableCPU)
	}
	if f.AllocatableMemoryBytes > 0 {
		mb.RecordK8sNodeAllocatableMemoryDataPoint(ts, int64(f.AllocatableMemoryBytes))
	}

	rb := mb.NewResourceBuilder()
	rb.SetK8sNodeName(f.Name)
	rb.SetEcoGridZoneCode(f.ZoneCode)
	rb.SetEcoHardwareProfile(f.Profile)
	if f.Provider != "" {
		rb.SetCloudProvider(f.Provider)
	}
	if f.Region != "" {
		rb.SetCloudRegion(f.Region)
	}
	if f.HostType != "" {
		rb.SetHostType(f.HostType)
	}
	mb.EmitForResource(metadata.WithResource(rb.Emit()))
}

func (s *hwScraper) recordPod(ts pcommon.Timestamp, p inventory.Pod) {
	s.mb.RecordEcoPodCPURequestDataPoint(ts, p.CPURequest)
	s.mb.RecordEcoPodMemoryRequestDataPoint(ts, int64(p.MemoryRequestBytes))
	rb := s.mb.NewResourceBuilder()
	rb.SetK8sPodUID(p.UID)
	rb.SetK8sPodName(p.Name)
	rb.SetK8sNamespaceName(p.Namespace)
	rb.SetK8sNodeName(p.NodeName)
	if p.Deployment != "" {
		rb.SetK8sDeploymentName(p.Deployment)
	}
	s.mb.EmitForResource(metadata.WithResource(rb.Emit()))
}

// report logs and counts what an operator should fix about a node — an
// unmatched node, an unresolved zone, unusable annotation values, a missing
// embodied figure — once while it persists, and again if it changes.
func (s *hwScraper) report(ctx context.Context, f nodeFacts) {
	prev := s.reported[f.Name]
	cur := map[string]string{}
	isNew := func(key, value string) bool {
		cur[key] = value
		old, seen := prev[key]
		return !seen || old != value
	}
	if f.Match == semconv.AttrHardwareMatchFallback && isNew("fallback", f.Profile) {
		s.logger.Warn("Node matched no hardware rule; using the fallback profile (add a rule, or annotate the node with "+ProfileAnnotation+")",
			zap.String("node", f.Name), zap.String("profile", f.Profile), zap.String("instance_type", f.HostType))
	}
	if f.ZoneSource == semconv.AttrGridZoneSourceUnresolved && isNew("zone", f.Region) {
		s.logger.Warn("Node's grid zone is unknown, so no SCI can be computed for it (label it "+ZoneKey+"=<bidding zone>, or set default_zone)",
			zap.String("node", f.Name), zap.String("cloud.provider", f.Provider), zap.String("cloud.region", f.Region))
	}
	for _, p := range f.Problems {
		if isNew("annotation/"+p.Key, p.Value) {
			s.telemetry.ReceiverHardwarecatalogInvalidAnnotations.Add(ctx, 1, metric.WithAttributes(attribute.String("annotation", p.Key)))
			s.logger.Warn("Node annotation ignored: "+p.Fix, zap.String("node", f.Name), zap.String("key", p.Key), zap.String("value", p.Value))
		}
	}
	if len(f.Notes) > 0 && isNew("notes", strings.Join(f.Notes, ";")) {
		s.logger.Warn("Node hardware figures incomplete", zap.String("node", f.Name), zap.Strings("notes", f.Notes))
	}
	if len(cur) == 0 {
		delete(s.reported, f.Name)
	} else {
		s.reported[f.Name] = cur
	}
}

// forgetGone drops what was reported about nodes that left the cluster.
func (s *hwScraper) forgetGone(nodes []inventory.Node) {
	if len(s.reported) == 0 {
		return
	}
	present := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		present[n.Name] = true
	}
	for name := range s.reported {
		if !present[name] {
			delete(s.reported, name)
		}
	}
}
