package carbondeferral

import (
	"math"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbonsource"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginargs"
)

// Defaults.
const (
	// DefaultMaxCarbonIntensity in gCO2e/kWh applies to deferrable pods
	// without a max-carbon-intensity annotation. 150 g/kWh is below the
	// EU-27 average (roughly 250 g/kWh in 2024), so deferred work waits for
	// a greener-than-usual grid.
	DefaultMaxCarbonIntensity = 150.0
	// DefaultMaxDeferral bounds how long any pod may be held, whatever its
	// defer-until says.
	DefaultMaxDeferral = 24 * time.Hour
)

// CarbonDeferralArgs are the arguments of the CarbonDeferral plugin.
type CarbonDeferralArgs struct {
	metav1.TypeMeta `json:",inline"`
	// Args says where zone intensities come from.
	carbonsource.Args `json:",inline"`

	// DefaultMaxCarbonIntensity (gCO2e/kWh) is the threshold for deferrable
	// pods that do not carry their own (default 150).
	DefaultMaxCarbonIntensity float64 `json:"defaultMaxCarbonIntensity,omitempty"`
	// MaxDeferral caps a pod's wait, counted from its creation (default 24h).
	MaxDeferral metav1.Duration `json:"maxDeferral,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (a *CarbonDeferralArgs) DeepCopyObject() runtime.Object {
	if a == nil {
		return nil
	}
	out := *a
	return &out
}

func init() {
	pluginargs.Register(&CarbonDeferralArgs{}, func(o runtime.Object) { SetDefaults(o.(*CarbonDeferralArgs)) })
}

// SetDefaults fills every unset field of a.
func SetDefaults(a *CarbonDeferralArgs) {
	carbonsource.SetDefaults(&a.Args)
	if a.DefaultMaxCarbonIntensity == 0 {
		a.DefaultMaxCarbonIntensity = DefaultMaxCarbonIntensity
	}
	if a.MaxDeferral.Duration == 0 {
		a.MaxDeferral.Duration = DefaultMaxDeferral
	}
}

// Validate checks defaulted args; the errors name the field and the fix.
func Validate(a *CarbonDeferralArgs) error {
	errs := carbonsource.Validate(&a.Args, nil)
	if v := a.DefaultMaxCarbonIntensity; math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		errs = append(errs, field.Invalid(field.NewPath("defaultMaxCarbonIntensity"), v, "must be a positive number of gCO2e/kWh"))
	}
	if d := a.MaxDeferral.Duration; d <= 0 {
		errs = append(errs, field.Invalid(field.NewPath("maxDeferral"), d.String(), "must be positive, e.g. 24h"))
	}
	return errs.ToAggregate()
}
