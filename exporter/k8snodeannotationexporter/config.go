package k8snodeannotationexporter

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/ecotel/ecotel/internal/k8sapi"
)

// Config of the k8s_node_annotation exporter.
type Config struct {
	// APIConfig (auth_type, kubeconfig_path, context) says how to reach the
	// Kubernetes API.
	k8sapi.APIConfig `mapstructure:",squash"`

	// Prefix of the annotation and label keys, e.g. "ecotel.io/".
	Prefix string `mapstructure:"prefix"`
	// MinInterval is the shortest time between two patches of one node.
	MinInterval time.Duration `mapstructure:"min_interval"`
	// RefreshInterval rewrites unchanged values this often, so that the
	// carbon-updated timestamp tells readers the values are still current.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	// ChangeThreshold is the relative change of a number that is worth a
	// patch (0.05 = 5 %); a zone or class change always is.
	ChangeThreshold float64 `mapstructure:"change_threshold"`
	// QPS and Burst limit the requests to the Kubernetes API.
	QPS   float32 `mapstructure:"qps"`
	Burst int     `mapstructure:"burst"`
	// CarbonClass configures the coarse carbon-class label.
	CarbonClass CarbonClassConfig `mapstructure:"carbon_class"`
}

// CarbonClassConfig maps the ranking signal to low | medium | high.
type CarbonClassConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// LowBelow: below this many g per vCPU-hour a node is "low".
	LowBelow float64 `mapstructure:"low_below"`
	// HighFrom: from this many g per vCPU-hour a node is "high".
	HighFrom float64 `mapstructure:"high_from"`
}

// Validate checks the configuration and names the field to fix.
func (c *Config) Validate() error {
	var errs []error
	if err := c.APIConfig.Validate(); err != nil {
		errs = append(errs, err)
	}
	if !strings.HasSuffix(c.Prefix, "/") || len(validation.IsQualifiedName(c.Prefix+"carbon-per-vcpu")) > 0 {
		errs = append(errs, fmt.Errorf("prefix %q: must be a DNS subdomain followed by \"/\", e.g. \"ecotel.io/\"", c.Prefix))
	}
	if c.MinInterval < 0 {
		errs = append(errs, fmt.Errorf("min_interval %s: must not be negative", c.MinInterval))
	}
	if c.RefreshInterval < c.MinInterval {
		errs = append(errs, fmt.Errorf("refresh_interval %s: must be at least min_interval (%s)", c.RefreshInterval, c.MinInterval))
	}
	if c.ChangeThreshold < 0 || c.ChangeThreshold >= 1 {
		errs = append(errs, fmt.Errorf("change_threshold %g: must be in [0, 1), e.g. 0.05 for 5 %%", c.ChangeThreshold))
	}
	if c.QPS <= 0 || c.Burst < 1 {
		errs = append(errs, fmt.Errorf("qps %g and burst %d: must be positive", c.QPS, c.Burst))
	}
	if cc := c.CarbonClass; cc.Enabled && (cc.LowBelow < 0 || cc.HighFrom <= cc.LowBelow) {
		errs = append(errs, fmt.Errorf("carbon_class: need 0 ≤ low_below (%g) < high_from (%g)", cc.LowBelow, cc.HighFrom))
	}
	return errors.Join(errs...)
}
