package sciscore

import (
	"math"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	fwk "k8s.io/kube-scheduler/framework"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginargs"
)

// Normalization strategies.
const (
	// NormalizationMinMax maps the greenest node to 100 and the least green
	// to 0, linearly in between.
	NormalizationMinMax = "MinMax"
	// NormalizationRelativeToBest scores a node 100 × best / value: a node
	// twice as carbon-intensive as the greenest gets 50, whatever the spread.
	NormalizationRelativeToBest = "RelativeToBest"
)

// Neutral-score strategies for nodes without fresh data.
const (
	MissingDataMean  = "Mean"  // the mean of the scored nodes (default)
	MissingDataWorst = "Worst" // 0
	MissingDataBest  = "Best"  // 100
	MissingDataFixed = "Fixed" // missingDataScore
)

// Defaults.
const (
	DefaultNormalization = NormalizationMinMax
	DefaultMissingData   = MissingDataMean
)

// DefaultReferencePodCPU is the CPU request at which a pod gets the full
// score spread when podSizeWeight is set.
var DefaultReferencePodCPU = resource.MustParse("4")

// SCIScoreArgs are the arguments of the SCIScore plugin, given in a
// profile's pluginConfig (kind SCIScoreArgs, apiVersion
// kubescheduler.config.k8s.io/v1).
type SCIScoreArgs struct {
	metav1.TypeMeta `json:",inline"`
	// Args says where the ranking signal comes from.
	carbonsource.Args `json:",inline"`

	// Normalization is MinMax (default) or RelativeToBest.
	Normalization string `json:"normalization,omitempty"`
	// MissingData is the score of a node without a fresh signal: Mean
	// (default), Worst, Best or Fixed (then MissingDataScore).
	MissingData string `json:"missingData,omitempty"`
	// MissingDataScore in [0,100], used when MissingData is Fixed.
	MissingDataScore int64 `json:"missingDataScore,omitempty"`
	// PodSizeWeight in [0,1] lets a pod's expected emissions (CPU requests ×
	// the node's gCO2e per vCPU-hour) set how much it cares: with weight w
	// the score spread is scaled by (1-w) + w·min(1, cpu/ReferencePodCPU),
	// so small pods leave the choice to the other score plugins. 0 (default)
	// gives every pod the full spread.
	PodSizeWeight float64 `json:"podSizeWeight,omitempty"`
	// ReferencePodCPU is the request that gets the full spread (default 4).
	ReferencePodCPU *resource.Quantity `json:"referencePodCPU,omitempty"`
	// ZoneIntensityCap in gCO2e/kWh, when positive, makes the plugin's
	// Filter exclude nodes whose zone's grid intensity is above it — unless
	// that would exclude every node, in which case nothing is excluded and
	// an event says so. 0 (default) disables the filter.
	ZoneIntensityCap float64 `json:"zoneIntensityCap,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (a *SCIScoreArgs) DeepCopyObject() runtime.Object {
	if a == nil {
		return nil
	}
	out := *a
	if a.ReferencePodCPU != nil {
		q := a.ReferencePodCPU.DeepCopy()
		out.ReferencePodCPU = &q
	}
	return &out
}

func init() {
	pluginargs.Register(&SCIScoreArgs{}, func(o runtime.Object) { SetDefaults(o.(*SCIScoreArgs)) })
}

// SetDefaults fills every unset field of a.
func SetDefaults(a *SCIScoreArgs) {
	carbonsource.SetDefaults(&a.Args)
	if a.Normalization == "" {
		a.Normalization = DefaultNormalization
	}
	if a.MissingData == "" {
		a.MissingData = DefaultMissingData
	}
	if a.ReferencePodCPU == nil {
		q := DefaultReferencePodCPU.DeepCopy()
		a.ReferencePodCPU = &q
	}
}

// Validate checks defaulted args; the errors name the field and the fix.
func Validate(a *SCIScoreArgs) error {
	var errs field.ErrorList
	errs = append(errs, carbonsource.Validate(&a.Args, nil)...)
	switch a.Normalization {
	case NormalizationMinMax, NormalizationRelativeToBest:
	default:
		errs = append(errs, field.NotSupported(field.NewPath("normalization"), a.Normalization,
			[]string{NormalizationMinMax, NormalizationRelativeToBest}))
	}
	switch a.MissingData {
	case MissingDataMean, MissingDataWorst, MissingDataBest, MissingDataFixed:
	default:
		errs = append(errs, field.NotSupported(field.NewPath("missingData"), a.MissingData,
			[]string{MissingDataMean, MissingDataWorst, MissingDataBest, MissingDataFixed}))
	}
	if s := a.MissingDataScore; s < fwk.MinNodeScore || s > fwk.MaxNodeScore {
		errs = append(errs, field.Invalid(field.NewPath("missingDataScore"), s, "must be within [0, 100]"))
	}
	if w := a.PodSizeWeight; math.IsNaN(w) || w < 0 || w > 1 {
		errs = append(errs, field.Invalid(field.NewPath("podSizeWeight"), w, "must be within [0, 1]"))
	}
	if a.ReferencePodCPU == nil || a.ReferencePodCPU.MilliValue() <= 0 {
		errs = append(errs, field.Invalid(field.NewPath("referencePodCPU"), a.ReferencePodCPU, "must be a positive CPU quantity such as 4 or 500m"))
	}
	if c := a.ZoneIntensityCap; math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
		errs = append(errs, field.Invalid(field.NewPath("zoneIntensityCap"), c, "must be a non-negative number of gCO2e/kWh (0 disables the filter)"))
	}
	return errs.ToAggregate()
}
