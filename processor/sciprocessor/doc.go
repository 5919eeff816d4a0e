//go:generate ../../bin/mdatagen metadata.yaml

// Package sciprocessor implements the `sci` processor: it joins the energy,
// grid and hardware data flowing through a metrics pipeline and computes the
// Software Carbon Intensity (GSF SCI v1.1 = ISO/IEC 21031:2024) per node, per
// pod and rolled up per deployment and namespace, emitting every SCI value
// with the components it was computed from. See README.md and
// docs/sci-method.md.
package sciprocessor
