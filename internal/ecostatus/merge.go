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
	var out Snapshot
	for _, p := range parts {
		for _, z := range p.Zones {
			if cur, ok := zones[z.Code]; ok {
				mergeZone(cur, z)
				continue
			}
			zc := z
			zones[z.Code] = &zc
		}
		for _, n := range p.Nodes {
			if cur, ok := nodes[n.Name]; ok {
				mergeNode(cur, n)
				continue
			}
			nc := n
			nodes[n.Name] = &nc
		}
		for _, pd := range p.Pods {
			if cur, ok := pods[pd.UID]; ok {
				mergePod(cur, pd)
				continue
			}
			pc := pd
			pods[pd.UID] = &pc
		}
	}
	for _, z := range zones {
		out.Zones = append(out.Zones, *z)
	}
	for _, n := range nodes {
		out.Nodes = append(out.Nodes, *n)
	}
	for _, p := range pods {
		out.Pods = append(out.Pods, *p)
	}
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
