package hardwarecatalogreceiver

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecotel/ecotel/receiver/hardwarecatalogreceiver/internal/inventory"
	"github.com/ecotel/ecotel/semconv"
)

func nodeNamed(name string, allocatableCPU float64) inventory.Node {
	return inventory.Node{Name: name, Labels: map[string]string{}, Annotations: map[string]string{}, AllocatableCPU: allocatableCPU}
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func builtinResolver(t *testing.T) *resolver {
	t.Helper()
	r, err := createDefaultConfig().(*Config).loadMatcher()
	require.NoError(t, err)
	return r
}

func TestZoneResolutionOrder(t *testing.T) {
	r := builtinResolver(t)
	cases := []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		providerID  string
		defaultZone string
		zone        string
		source      string
		provider    string
		problems    int
	}{
		{name: "label", labels: map[string]string{ZoneKey: "SE-4", regionLabel: "eu-west-3"}, zone: "SE-4", source: semconv.AttrGridZoneSourceLabel},
		{name: "annotation, variant spelling", annotations: map[string]string{ZoneKey: "se4"}, zone: "SE-4", source: semconv.AttrGridZoneSourceLabel},
		{name: "label before annotation", labels: map[string]string{ZoneKey: "FR"}, annotations: map[string]string{ZoneKey: "SE-4"}, zone: "FR", source: semconv.AttrGridZoneSourceLabel},
		{name: "EIC code", labels: map[string]string{ZoneKey: "10YFR-RTE------C"}, zone: "FR", source: semconv.AttrGridZoneSourceLabel},
		{name: "bad label falls through to region", labels: map[string]string{ZoneKey: "DE", regionLabel: "eu-central-1"}, zone: "DE-LU", source: semconv.AttrGridZoneSourceCloudRegion, provider: "aws", problems: 1},
		{name: "region, provider inferred", labels: map[string]string{regionLabel: "europe-west3"}, zone: "DE-LU", source: semconv.AttrGridZoneSourceCloudRegion, provider: "gcp"},
		{name: "deprecated region label", labels: map[string]string{regionLabelBeta: "eu-west-3"}, zone: "FR", source: semconv.AttrGridZoneSourceCloudRegion, provider: "aws"},
		{name: "region, provider from providerID", labels: map[string]string{regionLabel: "westeurope"}, providerID: "azure:///subscriptions/x/vm-1", zone: "NL", source: semconv.AttrGridZoneSourceCloudRegion, provider: "azure"},
		{name: "provider from profile", labels: map[string]string{regionLabel: "eu-north-1", instanceTypeLabel: "m5.large"}, zone: "SE-3", source: semconv.AttrGridZoneSourceCloudRegion, provider: "aws"},
		{name: "unknown region to default", labels: map[string]string{regionLabel: "us-east-1"}, defaultZone: "NL", zone: "NL", source: semconv.AttrGridZoneSourceDefault},
		{name: "unresolved", labels: map[string]string{regionLabel: "us-east-1"}, zone: "", source: semconv.AttrGridZoneSourceUnresolved},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := nodeNamed("n", 4)
			if tc.labels != nil {
				n.Labels = tc.labels
			}
			if tc.annotations != nil {
				n.Annotations = tc.annotations
			}
			n.ProviderID = tc.providerID
			f := r.characterize(n, tc.defaultZone, testNow)
			assert.Equal(t, tc.zone, f.ZoneCode)
			assert.Equal(t, tc.source, f.ZoneSource)
			if tc.provider != "" {
				assert.Equal(t, tc.provider, f.Provider)
			}
			assert.Len(t, f.Problems, tc.problems)
		})
	}
}

func TestCloudNodeGetsItsShareOfTheHost(t *testing.T) {
	r := builtinResolver(t)
	n := nodeNamed("paris-m5-1", 7.91)
	n.Labels[instanceTypeLabel] = "m5.2xlarge"
	n.Labels[regionLabel] = "eu-west-3"

	// Without capacity, allocatable 7.91 rounds up to the 8 vCPUs of the instance.
	f := r.characterize(n, "", testNow)
	assert.Equal(t, "aws-m5", f.Profile)
	assert.Equal(t, 8.0, f.VCPUs)
	assertNear(t, "TE", f.EmbodiedG, 1610.79*8/96*1000)
	assertNear(t, "idle W", f.PowerIdleW, 8*0.6130)
	assertNear(t, "max W", f.PowerMaxW, 8*4.1042)

	// Capacity wins over allocatable.
	n.CapacityCPU = 8
	n.AllocatableCPU = 6
	assert.Equal(t, 8.0, r.characterize(n, "", testNow).VCPUs)

	// A share can't exceed the whole host.
	n.CapacityCPU = 192
	assertNear(t, "capped TE", r.characterize(n, "", testNow).EmbodiedG, 1610.79*1000)

	// Unknown vCPUs: no embodied figure rather than a wrong one.
	n.CapacityCPU, n.AllocatableCPU = 0, 0
	f = r.characterize(n, "", testNow)
	assert.False(t, f.HasEmbodied)
	assert.False(t, f.HasPower)
	assert.NotEmpty(t, f.Notes)

	// The annotation gives the node's own total, no share applied.
	n.Annotations[EmbodiedAnnotation] = "150"
	f = r.characterize(n, "", testNow)
	assert.True(t, f.HasEmbodied)
	assertNear(t, "annotated TE", f.EmbodiedG, 150_000)
}

func TestAnnotationOverridesAndProblems(t *testing.T) {
	r := builtinResolver(t)
	n := nodeNamed("n", 16)
	n.Annotations = map[string]string{
		PUEAnnotation:          "1.21",
		CommissionedAnnotation: "2024-06-01",
		ProfileAnnotation:      "aws-r5",
	}
	f := r.characterize(n, "", testNow)
	assert.Equal(t, "aws-r5", f.Profile)
	assert.Equal(t, semconv.AttrHardwareMatchAnnotation, f.Match)
	assertNear(t, "PUE", f.PUE, 1.21)
	assert.True(t, f.HasAge)
	assertNear(t, "age", f.AgeS, 365*86400)
	assert.Empty(t, f.Problems)

	for key, bad := range map[string]string{
		PUEAnnotation:          "0.5",
		CommissionedAnnotation: "2099-01-01",
		EmbodiedAnnotation:     "-1",
		ProfileAnnotation:      "no-such-profile",
	} {
		n := nodeNamed("n", 16)
		n.Annotations = map[string]string{key: bad}
		f := r.characterize(n, "", testNow)
		require.Len(t, f.Problems, 1, key)
		assert.Equal(t, key, f.Problems[0].Key)
		assert.Equal(t, "generic-rack-server", f.Profile)
		assertNear(t, key+": PUE falls back to the profile's", f.PUE, 1.58)
		assert.False(t, f.HasAge, key)
		assertNear(t, key+": TE falls back to the profile's", f.EmbodiedG, 1_000_000)
	}
}
