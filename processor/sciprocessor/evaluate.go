package sciprocessor

import (
	"context"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/ecotel/ecotel/processor/sciprocessor/internal/sci"
	"github.com/ecotel/ecotel/processor/sciprocessor/internal/state"
	"github.com/ecotel/ecotel/semconv"
)

// entity is the boundary a result is about; its non-empty fields become the
// attributes of every series emitted for it.
type entity struct {
	scope, node, podUID, podName, namespace, deployment, zone string
}

// entityKey identifies an entity across evaluations. A struct of the
// strings the entity already holds, so building one allocates nothing.
type entityKey struct{ scope, a, b string }

func (e entity) key() entityKey {
	switch e.scope {
	case semconv.AttrSCIScopeNode:
		return entityKey{scope: e.scope, a: e.node}
	case semconv.AttrSCIScopePod:
		return entityKey{scope: e.scope, a: e.podUID}
	case semconv.AttrSCIScopeDeployment:
		return entityKey{scope: e.scope, a: e.namespace, b: e.deployment}
	default:
		return entityKey{scope: e.scope, a: e.namespace}
	}
}

// namespacedName is a namespace and a pod or deployment name, as a map key.
type namespacedName struct{ namespace, name string }

// result is one SCI value with its components.
type result struct {
	entity
	c       sci.Components
	windowS float64
	basis   sci.EmbodiedBasis
}

type unavailable struct {
	scope, reason, node string
}

// windowResults is everything one window produced.
type windowResults struct {
	results     []result
	unavailable []unavailable
	// nodeWatts is each node's measured average IT power over the window,
	// for the ranking signal; absent when the node's window failed.
	nodeWatts map[string]float64
	scaled    int64
}

func (w *windowResults) reset() {
	w.results = w.results[:0]
	w.unavailable = w.unavailable[:0]
	clear(w.nodeWatts)
	w.scaled = 0
}

// unitsOf accumulates functional units (requests) per pod and deployment.
type unitsOf struct {
	pod, deployment map[string]float64
	// badPod / badDeployment mark boundaries whose count could not be
	// measured over the window: their R would be too low, so no SCI.
	badPod, badDeployment map[string]bool
}

// evaluator turns the state into results at each tick. It is only used
// under sciProcessor.evalMu.
type evaluator struct {
	p *sciProcessor

	gauges, increments windowResults
	units              unitsOf
	podsByNode         map[string][]*state.Pod
	podByName          map[namespacedName]string // → uid
	nodeNames          []string
	nodes              []*state.Node // by nodeNames' order
	inputs             []sci.PodInput
	shares             []sci.PodShare
	valid              []*state.Pod
	validFrom          []int64

	cumulative  map[entityKey]*cumulative
	unavailable map[unavailable]*unavailableCount
	// live holds the series emitted at the last evaluation, so that those
	// not produced now get a staleness marker instead of lingering.
	live     map[liveKey]liveSeries
	replaced []liveSeries // live series whose attributes changed this evaluation
	seq      uint64
	// lastSignals are the signals of the last evaluation, for the status page.
	lastSignals []signal
}

type cumulative struct {
	entity
	operationalG float64
	// embodiedG is indexed by basisIndex; hasBasis marks the bases the
	// entity has had, each emitted as its own series.
	embodiedG         [basisCount]float64
	hasBasis          [basisCount]bool
	startNs, updateNs int64
}

type unavailableCount struct {
	n                 int64
	startNs, updateNs int64
}

// liveSeries remembers what was emitted for an entity or signal.
type liveSeries struct {
	kind    liveKind
	entity  entity
	profile string
	// seen is the evaluation sequence number that last produced it.
	seen uint64
}

type liveKind int

const (
	liveSCI liveKind = iota
	liveRanking
	liveHeadroomGreen
	liveHeadroomPrice
)

func newEvaluator(p *sciProcessor) *evaluator {
	return &evaluator{
		p:           p,
		gauges:      windowResults{nodeWatts: map[string]float64{}},
		increments:  windowResults{nodeWatts: map[string]float64{}},
		units:       unitsOf{pod: map[string]float64{}, deployment: map[string]float64{}, badPod: map[string]bool{}, badDeployment: map[string]bool{}},
		podsByNode:  map[string][]*state.Pod{},
		podByName:   map[namespacedName]string{},
		cumulative:  map[entityKey]*cumulative{},
		unavailable: map[unavailable]*unavailableCount{},
		live:        map[liveKey]liveSeries{},
	}
}

// evaluate computes the windows ending delay before nowNs: SCI over the
// window for the gauges, and over the last interval for the cumulative
// counters (the same window unless interval < window).
func (e *evaluator) evaluate(ctx context.Context, nowNs int64) pmetric.Metrics {
	cfg := e.p.cfg
	end := nowNs - int64(cfg.Delay)
	store := e.p.store
	store.Lock()
	store.Expire(nowNs)
	e.snapshot()
	store.Unlock()
	e.computeWindow(end-int64(cfg.Window), end, nowNs, &e.gauges)
	incr := &e.gauges
	if cfg.interval() != cfg.Window {
		e.computeWindow(end-int64(cfg.interval()), end, nowNs, &e.increments)
		incr = &e.increments
	}
	store.Lock()
	signals := e.signals(nowNs)
	store.Unlock()
	e.lastSignals = signals // for the status page (status.go)

	e.accumulate(incr, nowNs)
	for _, u := range e.gauges.unavailable {
		c := e.unavailable[u]
		if c == nil {
			c = &unavailableCount{startNs: nowNs}
			e.unavailable[u] = c
		}
		c.n++
		c.updateNs = nowNs
	}
	e.record(ctx)
	return e.emit(end, nowNs, signals)
}

func (e *evaluator) record(ctx context.Context) {
	tb := e.p.tb
	computed := map[string]int64{}
	for _, r := range e.gauges.results {
		computed[r.scope]++
	}
	for scope, n := range computed {
		tb.ProcessorSciWindowsComputed.Add(ctx, n, metric.WithAttributes(attribute.String(semconv.AttrSCIScope, scope)))
	}
	failed := map[[2]string]int64{}
	for _, u := range e.gauges.unavailable {
		failed[[2]string{u.scope, u.reason}]++
	}
	for k, n := range failed {
		tb.ProcessorSciWindowsUnavailable.Add(ctx, n, metric.WithAttributes(
			attribute.String(semconv.AttrSCIScope, k[0]), attribute.String(semconv.AttrSCIReason, k[1])))
	}
	if e.gauges.scaled > 0 {
		tb.ProcessorSciAttributionScaled.Add(ctx, e.gauges.scaled)
	}
}

// accumulate adds each result's carbon over the increment window to its
// cumulative counters, and forgets counters of entities gone for the TTL.
func (e *evaluator) accumulate(w *windowResults, nowNs int64) {
	podsOut := e.p.cfg.Output.Pods == PodOutputFull
	for i := range w.results {
		r := &w.results[i]
		if r.scope == semconv.AttrSCIScopePod && !podsOut {
			continue // not emitted: no state either
		}
		k := r.key()
		c := e.cumulative[k]
		if c == nil {
			c = &cumulative{entity: r.entity, startNs: nowNs}
			e.cumulative[k] = c
		}
		c.entity = r.entity // names may have been learnt since
		c.operationalG += r.c.OperationalG
		b := basisIndex(r.basis)
		c.embodiedG[b] += r.c.EmbodiedG
		c.hasBasis[b] = true
		c.updateNs = nowNs
	}
	cut := nowNs - int64(e.p.cfg.Limits.SeriesTTL)
	for k, c := range e.cumulative {
		if c.updateNs < cut {
			delete(e.cumulative, k)
		}
	}
	for k, c := range e.unavailable {
		if c.updateNs < cut {
			delete(e.unavailable, k)
		}
	}
}

// basisMixed marks roll-ups, whose pods may have different bases.
const basisMixed sci.EmbodiedBasis = -1

// basisNames are the eco.sci.embodied.basis values by basisIndex ("" for
// roll-ups, which carry no basis).
var basisNames = [...]string{"", semconv.AttrSCIEmbodiedBasisRequests, semconv.AttrSCIEmbodiedBasisEnergyShare, semconv.AttrSCIEmbodiedBasisWholeNode}

const basisCount = len(basisNames)

func basisIndex(b sci.EmbodiedBasis) int {
	switch b {
	case basisMixed:
		return 0
	case sci.BasisRequests:
		return 1
	case sci.BasisEnergyShare:
		return 2
	default:
		return 3
	}
}

// reasonOK is the empty eco.sci.reason: the input is usable.
const reasonOK = ""

// zoneIntensity returns the node's zone intensity for the configured
// method, or why it cannot be used.
func (e *evaluator) zoneIntensity(zoneCode string, nowNs int64) (float64, string) {
	z := e.p.store.Zones[zoneCode]
	if zoneCode == "" || z == nil {
		return 0, semconv.AttrSCIReasonNoGridData
	}
	v := z.Intensity[e.p.method]
	if !v.Known() {
		return 0, semconv.AttrSCIReasonNoGridData
	}
	if gridAgeNs(v, z.GenerationAge, nowNs) > int64(e.p.cfg.GridMaxAge) {
		return 0, semconv.AttrSCIReasonStaleGridData
	}
	return v.V, reasonOK
}

// gridAgeNs is how old a grid value's interval is now: the entsoe
// receiver's reported data age plus the time since that report arrived;
// without a reported age, the time since the value's own timestamp.
func gridAgeNs(v, age state.Value, nowNs int64) int64 {
	if age.Known() && age.ReceivedT >= v.ReceivedT-int64(60e9) {
		return int64(age.V*1e9) + nowNs - age.ReceivedT
	}
	if v.DataT > 0 {
		return nowNs - v.DataT
	}
	return nowNs - v.ReceivedT
}

// reportable says whether the node is this processor's to report: always,
// unless nodes_without_energy is skip and no energy arrived for it within
// the series TTL (another gateway has it).
func (e *evaluator) reportable(n *state.Node, nowNs int64) bool {
	if e.p.cfg.NodesWithoutEnergy != NodesWithoutEnergySkip {
		return true
	}
	return n.Energy.ReceivedT != 0 && nowNs-n.Energy.ReceivedT <= int64(e.p.cfg.Limits.SeriesTTL)
}

// hardwareOK reports whether the node's PUE, TE and EL are known and fresh.
func (e *evaluator) hardwareOK(n *state.Node, nowNs int64) bool {
	maxAge := int64(e.p.cfg.HardwareMaxAge)
	return n.PUE.FreshAt(nowNs, maxAge) && n.TotalEmbodiedG.FreshAt(nowNs, maxAge) && n.LifetimeS.FreshAt(nowNs, maxAge)
}

// energyReason maps a counter window outcome to the reported reason. A
// series that keeps receiving samples whose timestamps do not reach the
// window's end is late; one that received nothing recently has no data.
func (e *evaluator) energyReason(r sci.Reason, s *state.Series, nowNs int64) string {
	switch r {
	case sci.OK:
		return reasonOK
	case sci.CounterReset:
		return semconv.AttrSCIReasonCounterReset
	case sci.Gap:
		return semconv.AttrSCIReasonGap
	}
	if s.Len() > 0 && nowNs-s.ReceivedT <= int64(e.p.cfg.MaxGap) {
		if last, _ := s.Latest(); last.T < nowNs-int64(e.p.cfg.Delay) {
			return semconv.AttrSCIReasonLateData
		}
	}
	return semconv.AttrSCIReasonNoEnergy
}

// functionalUnits measures, for requests-based R, each pod's and each
// deployment-level series' increase over the window.
func (e *evaluator) functionalUnits(fromNs, toNs int64) {
	u := &e.units
	clear(u.pod)
	clear(u.deployment)
	clear(u.badPod)
	clear(u.badDeployment)
	if e.p.cfg.FunctionalUnit.Type != FunctionalUnitRequests {
		return
	}
	maxGap := int64(e.p.cfg.MaxGap)
	for _, f := range e.p.store.FunctionalUnits {
		w, r := f.Delta(fromNs, toNs, maxGap, true)
		uid := f.PodUID
		if uid == "" && f.PodName != "" {
			uid = e.podByName[namespacedName{f.Namespace, f.PodName}]
		}
		switch {
		case uid != "":
			if r != sci.OK {
				u.badPod[uid] = true
			}
			u.pod[uid] += w.Delta
		case f.Deployment != "":
			k := f.Namespace + "/" + f.Deployment
			if r != sci.OK {
				u.badDeployment[k] = true
			}
			u.deployment[k] += w.Delta
		}
	}
}

// timeOrConstantUnits returns R when it does not depend on the boundary
// (time or constant functional units), and false for requests.
func (e *evaluator) timeOrConstantUnits(windowS float64) (float64, bool) {
	fu := e.p.cfg.FunctionalUnit
	switch fu.Type {
	case FunctionalUnitTime:
		return windowS / fu.Per.Seconds(), true
	case FunctionalUnitConstant:
		return fu.Value, true
	}
	return 0, false
}

// podUnits returns a pod's R, and false when it is unknown or zero.
func (e *evaluator) podUnits(uid string, windowS float64) (float64, bool) {
	if r, ok := e.timeOrConstantUnits(windowS); ok {
		return r, true
	}
	if e.units.badPod[uid] {
		return 0, false
	}
	r := e.units.pod[uid]
	return r, r > 0
}

// computeWindow evaluates every node and its pods over [fromNs, toNs].
func (e *evaluator) computeWindow(fromNs, toNs, nowNs int64, out *windowResults) {
	out.reset()
	store := e.p.store
	cfg := e.p.cfg
	windowS := float64(toNs-fromNs) / 1e9
	maxGap := int64(cfg.MaxGap)

	store.Lock()
	e.functionalUnits(fromNs, toNs)
	store.Unlock()
	for i, n := range e.nodes {
		// One node at a time under the store lock: batches wait for one
		// node's windows, not for a whole evaluation (seconds at 150,000
		// pods), so the pipeline does not back up behind it.
		store.Lock()
		if e.reportable(n, nowNs) {
			e.computeNode(n, e.podsByNode[e.nodeNames[i]], fromNs, toNs, nowNs, windowS, maxGap, out)
		}
		store.Unlock()
	}
	if cfg.RollUps {
		e.rollUps(out, windowS)
	}
}

// snapshot takes, under the store lock, what every window of one
// evaluation walks: the nodes in name order, each node's pods in UID
// order, and pod UIDs by name (for functional units). Ingest only adds
// entities and only evaluations (serialized) expire them, so the pointers
// stay valid while the lock is released between nodes.
func (e *evaluator) snapshot() {
	store := e.p.store
	for name, pods := range e.podsByNode {
		e.podsByNode[name] = pods[:0] // keep the slices' memory
	}
	clear(e.podByName)
	for _, pod := range store.Pods {
		if pod.Node != "" {
			e.podsByNode[pod.Node] = append(e.podsByNode[pod.Node], pod)
		}
		if pod.Name != "" && pod.Namespace != "" {
			e.podByName[namespacedName{pod.Namespace, pod.Name}] = pod.UID
		}
	}
	for name, pods := range e.podsByNode {
		if len(pods) == 0 {
			delete(e.podsByNode, name) // departed nodes leave no keys
			continue
		}
		slices.SortFunc(pods, func(a, b *state.Pod) int { return strings.Compare(a.UID, b.UID) })
	}
	e.nodeNames = e.nodeNames[:0]
	for name := range store.Nodes {
		e.nodeNames = append(e.nodeNames, name)
	}
	slices.Sort(e.nodeNames)
	e.nodes = e.nodes[:0]
	for _, name := range e.nodeNames {
		e.nodes = append(e.nodes, store.Nodes[name])
	}
}

func (e *evaluator) computeNode(n *state.Node, pods []*state.Pod, fromNs, toNs, nowNs int64, windowS float64, maxGap int64, out *windowResults) {
	fail := func(reason string) {
		out.unavailable = append(out.unavailable, unavailable{semconv.AttrSCIScopeNode, reason, n.Name})
		for range pods {
			out.unavailable = append(out.unavailable, unavailable{semconv.AttrSCIScopePod, reason, n.Name})
		}
	}
	if !e.hardwareOK(n, nowNs) {
		fail(semconv.AttrSCIReasonNoHardware)
		return
	}
	intensity, reason := e.zoneIntensity(n.Zone, nowNs)
	if reason != reasonOK {
		fail(reason)
		return
	}
	w, r := n.Energy.Delta(fromNs, toNs, maxGap, false)
	if reason := e.energyReason(r, &n.Energy, nowNs); reason != reasonOK {
		fail(reason)
		return
	}
	nodeJ := w.Delta
	out.nodeWatts[n.Name] = nodeJ / windowS

	// Pods whose own window is measurable take part in the split; the
	// energy of the others stays in the node's unattributed pool.
	e.inputs, e.valid, e.validFrom = e.inputs[:0], e.valid[:0], e.validFrom[:0]
	maxAge := int64(e.p.cfg.HardwareMaxAge)
	var nodeUnits float64
	nodeUnitsOK := true
	for _, pod := range pods {
		if e.p.cfg.FunctionalUnit.Type == FunctionalUnitRequests {
			nodeUnits += e.units.pod[pod.UID]
			if e.units.badPod[pod.UID] {
				nodeUnitsOK = false
			}
		}
		pw, pr := pod.Energy.Delta(fromNs, toNs, maxGap, true)
		if reason := e.energyReason(pr, &pod.Energy, nowNs); reason != reasonOK {
			out.unavailable = append(out.unavailable, unavailable{semconv.AttrSCIScopePod, reason, n.Name})
			continue
		}
		in := sci.PodInput{AttributedJ: pw.Delta, CPUTimeS: -1}
		if pod.RequestCPU.FreshAt(nowNs, maxAge) {
			in.RequestCPU = pod.RequestCPU.V
		}
		if pod.CPUTime != nil {
			if cw, cr := pod.CPUTime.Delta(fromNs, toNs, maxGap, true); cr == sci.OK {
				in.CPUTimeS = cw.Delta
			}
		}
		e.inputs = append(e.inputs, in)
		e.valid = append(e.valid, pod)
		e.validFrom = append(e.validFrom, pw.From)
	}
	tor := 0.0
	switch {
	case n.AllocatableCPU.FreshAt(nowNs, maxAge):
		tor = n.AllocatableCPU.V
	case n.VCPUs.FreshAt(nowNs, maxAge):
		tor = n.VCPUs.V
	}
	e.shares = slices.Grow(e.shares[:0], len(e.inputs))[:len(e.inputs)]
	split := sci.Split(nodeJ, tor, e.p.split, e.inputs, e.shares)
	if split.AttributionScale < 1 {
		out.scaled++
	}

	pue, te, el := n.PUE.V, n.TotalEmbodiedG.V, n.LifetimeS.V
	nodeEntity := entity{scope: semconv.AttrSCIScopeNode, node: n.Name, zone: n.Zone}
	units, ok := e.timeOrConstantUnits(windowS)
	if !ok {
		units, ok = nodeUnits, nodeUnitsOK && nodeUnits > 0
	}
	if c, err := sci.Compose(nodeJ, pue, intensity, sci.EmbodiedG(te, windowS, el, 1), units); ok && err == nil {
		out.results = append(out.results, result{entity: nodeEntity, c: c, windowS: windowS, basis: sci.BasisWholeNode})
	} else {
		out.unavailable = append(out.unavailable, unavailable{semconv.AttrSCIScopeNode, semconv.AttrSCIReasonNoFunctionalUnits, n.Name})
	}

	for i, pod := range e.valid {
		share := e.shares[i]
		reservedS := float64(toNs-e.validFrom[i]) / 1e9
		units, ok := e.podUnits(pod.UID, windowS)
		c, err := sci.Compose(share.ITEnergyJ, pue, intensity, sci.EmbodiedG(te, reservedS, el, share.ResourceShare), units)
		if !ok || err != nil {
			out.unavailable = append(out.unavailable, unavailable{semconv.AttrSCIScopePod, semconv.AttrSCIReasonNoFunctionalUnits, n.Name})
			continue
		}
		out.results = append(out.results, result{
			entity: entity{
				scope: semconv.AttrSCIScopePod, node: n.Name, podUID: pod.UID, podName: pod.Name,
				namespace: pod.Namespace, deployment: pod.Deployment, zone: n.Zone,
			},
			c: c, windowS: windowS, basis: share.Basis,
		})
	}
}

// rollUps sums pod results per deployment and per namespace.
func (e *evaluator) rollUps(out *windowResults, windowS float64) {
	type group struct {
		entity
		parts []sci.Components
		units float64
		bad   bool
	}
	groups := map[entityKey]*group{}
	var order []entityKey
	add := func(ent entity, c sci.Components, podUID string) {
		k := ent.key()
		g := groups[k]
		if g == nil {
			g = &group{entity: ent}
			groups[k] = g
			order = append(order, k)
		}
		g.parts = append(g.parts, c)
		g.units += e.units.pod[podUID]
		g.bad = g.bad || e.units.badPod[podUID]
	}
	n := len(out.results)
	for i := 0; i < n; i++ {
		r := out.results[i]
		if r.scope != semconv.AttrSCIScopePod || r.namespace == "" {
			continue
		}
		if r.deployment != "" {
			add(entity{scope: semconv.AttrSCIScopeDeployment, namespace: r.namespace, deployment: r.deployment}, r.c, r.podUID)
		}
		add(entity{scope: semconv.AttrSCIScopeNamespace, namespace: r.namespace}, r.c, r.podUID)
	}
	for _, k := range order {
		g := groups[k]
		units, ok := e.timeOrConstantUnits(windowS)
		if !ok {
			units = g.units
			if g.scope == semconv.AttrSCIScopeDeployment {
				dk := g.namespace + "/" + g.deployment
				units += e.units.deployment[dk]
				g.bad = g.bad || e.units.badDeployment[dk]
			}
			ok = !g.bad && units > 0
		}
		c, err := sci.Sum(g.parts, units)
		if !ok || err != nil {
			out.unavailable = append(out.unavailable, unavailable{g.scope, semconv.AttrSCIReasonNoFunctionalUnits, ""})
			continue
		}
		out.results = append(out.results, result{entity: g.entity, c: c, windowS: windowS, basis: basisMixed})
	}
}
