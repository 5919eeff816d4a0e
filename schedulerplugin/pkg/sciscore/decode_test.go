package sciscore

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/pluginargs"
)

func TestDecodeArgs(t *testing.T) {
	// No args in the profile: every default.
	a, err := pluginargs.Decode(Name, nil, SetDefaults)
	if err != nil || a.Normalization != NormalizationMinMax {
		t.Fatalf("nil args: %+v, %v", a, err)
	}
	// Typed args: a defaulted copy, the original untouched.
	in := &SCIScoreArgs{Normalization: NormalizationRelativeToBest}
	b, err := pluginargs.Decode(Name, in, SetDefaults)
	if err != nil || b == in || b.Normalization != NormalizationRelativeToBest || b.MissingData != MissingDataMean || in.MissingData != "" {
		t.Fatalf("typed args: %+v (in %+v), %v", b, in, err)
	}
	// Anything else names the expected type.
	if _, err := pluginargs.Decode(Name, &runtime.Unknown{}, SetDefaults); err == nil || !strings.Contains(err.Error(), "SCIScoreArgs") {
		t.Errorf("unknown args: %v", err)
	}
}
