package signal

import "fmt"

// Problem kinds: bad input that was dropped. Each is counted by the cache's
// observer and logged (rate-limited) with the fix.
const (
	ProblemMalformedValue = "malformed_value"
	ProblemNegativeValue  = "negative_value"
	ProblemAbsurdValue    = "absurd_value"
	ProblemMissingLabel   = "missing_label"
	ProblemDuplicate      = "duplicate_series"
	ProblemMalformedTime  = "malformed_time"
	ProblemFutureTime     = "future_time"
)

// Problem is one input item a source dropped, and why.
type Problem struct {
	Kind string
	// Detail names the item and the fix.
	Detail string
}

func problemf(kind, format string, args ...any) Problem {
	return Problem{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// Upper bounds past which a value is taken for a unit or encoding error
// rather than a measurement. They also keep fixed-point arithmetic in the
// plugins far from overflow.
const (
	// MaxCarbonPerVCPUGPerH: a vCPU-hour emitting a tonne of CO2e.
	MaxCarbonPerVCPUGPerH = 1e6
	// MaxIntensityGPerKWh: the dirtiest grids are near 1,200 g/kWh.
	MaxIntensityGPerKWh = 1e4
	// maxDataAgeS: about 30 years.
	maxDataAgeS = 1e9
)
