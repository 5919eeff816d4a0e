// Package carbonsource is the part of the plugins' arguments that says where
// carbon signals come from (Prometheus or Node annotations), with its
// defaults and validation, and turns it into a running signal.Cache shared by
// every plugin instance configured alike.
package carbonsource
