package ecostatus

import "sort"

// Merge combines partial snapshots: entries with the same zone code, node
// name or pod UID are merged field by field, later snapshots filling in what
// earlier ones left unknown (and overriding what both know). The result is
// sorted: zones by code, nodes by ranking signal (greenest first, unknown
// last), pods by SCI score (highest first).
func Merge(parts ...Snapshot) Snapshot {
	zones := map[string]*Zone{}
	nodes := map[string]*Node{}
	pods := map[string]*Pod{}
	for _, p := range parts {
		mergeInto(zones, p.Zones, func(z Zone) string { return z.Code }, mergeZone)
		mergeInto(nodes, p.Nodes, func(n Node) string { return n.Name }, mergeNode)
		mergeInto(pods, p.Pods, func(pd Pod) string { return pd.UID }, mergePod)
	}
	out := Snapshot{Zones: values(zones), Nodes: values(nodes), Pods: values(pods)}
	sort.Slice(out.Zones, func(i, j int) bool { return out.Zones[i].Code < out.Zones[j].Code })
	sort.Slice(out.Nodes, func(i, j int) bool {
		a, b := out.Nodes[i].CarbonPerVCPUGPerHour, out.Nodes[j].CarbonPerVCPUGPerHour
		if (a == nil) != (b == nil) {
			return a != nil
		}
		if a != nil && *a != *b {
			return *a < *b
		}
		return out.Nodes[i].Name < out.Nodes[j].Name
	})
	sort.Slice(out.Pods, func(i, j int) bool {
		a, b := out.Pods[i].SCI, out.Pods[j].SCI
		if (a == nil) != (b == nil) {
			return a != nil
		}
		if a != nil && a.Score != b.Score {
			return a.Score > b.Score
		}
		return out.Pods[i].UID < out.Pods[j].UID
	})
	return out
}

// mergeInto adds items to byKey, merging an item into the entry that has
// its key already.
func mergeInto[T any](byKey map[string]*T, items []T, key func(T) string, merge func(*T, T)) {
	for _, it := range items {
		if cur, ok := byKey[key(it)]; ok {
			merge(cur, it)
			continue
		}
		c := it
		byKey[key(it)] = &c
	}
}

// values returns the map's entries (nil when there are none, as before a
// merge: the JSON API then writes null, not []).
func values[T any](byKey map[string]*T) []T {
	var out []T
	for _, v := range byKey {
		out = append(out, *v)
	}
	return out
}

func pick[T any](cur *T, next *T) *T {
	if next != nil {
		return next
	}
	return cur
}

func pickString(cur, next string) string {
	if next != "" {
		return next
	}
	return cur
}

func mergeZone(cur *Zone, z Zone) {
	cur.IntensityLifecycleGPerKWh = pick(cur.IntensityLifecycleGPerKWh, z.IntensityLifecycleGPerKWh)
	cur.IntensityDirectGPerKWh = pick(cur.IntensityDirectGPerKWh, z.IntensityDirectGPerKWh)
	cur.RenewableShare = pick(cur.RenewableShare, z.RenewableShare)
	cur.LowCarbonShare = pick(cur.LowCarbonShare, z.LowCarbonShare)
	cur.PricePerMWh = pick(cur.PricePerMWh, z.PricePerMWh)
	cur.Currency = pickString(cur.Currency, z.Currency)
	cur.GreenHeadroom = pick(cur.GreenHeadroom, z.GreenHeadroom)
	cur.IntervalStart = pick(cur.IntervalStart, z.IntervalStart)
	cur.DataAgeSeconds = pick(cur.DataAgeSeconds, z.DataAgeSeconds)
	if len(z.Mix) > 0 {
		cur.Mix = z.Mix
	}
}

func mergeNode(cur *Node, n Node) {
	cur.Zone = pickString(cur.Zone, n.Zone)
	cur.Profile = pickString(cur.Profile, n.Profile)
	cur.PUE = pick(cur.PUE, n.PUE)
	cur.EmbodiedRateGPerHour = pick(cur.EmbodiedRateGPerHour, n.EmbodiedRateGPerHour)
	cur.VCPUs = pick(cur.VCPUs, n.VCPUs)
	cur.CarbonPerVCPUGPerHour = pick(cur.CarbonPerVCPUGPerHour, n.CarbonPerVCPUGPerHour)
	cur.SCI = pick(cur.SCI, n.SCI)
}

func mergePod(cur *Pod, p Pod) {
	cur.Name = pickString(cur.Name, p.Name)
	cur.Namespace = pickString(cur.Namespace, p.Namespace)
	cur.Node = pickString(cur.Node, p.Node)
	cur.Deployment = pickString(cur.Deployment, p.Deployment)
	cur.SCI = pick(cur.SCI, p.SCI)
}
