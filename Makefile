# ecotel — see README.md. The two commands: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := $(CURDIR)/bin
OCB   := $(BIN)/builder
MDATAGEN := $(BIN)/mdatagen
OTELCOL  := _build/otelcol-eco
# Binaries of later sections, defined here because make expands prerequisites
# when it reads a rule: a variable defined below its first use is empty there.
KUBE_CONTROLLER_MANAGER := $(BIN)/kube-controller-manager
HPA_CAPPER := $(BIN)/eco-hpa-capper

# Go modules of this repository; the root one holds the collector components.
# test/kube: tests against a real kube-apiserver (k8s.io/kubernetes; its first
# compile takes about 6 minutes on 2 cores, later runs seconds).
MODULES := . schedulerplugin test/kube
# System programs the tests run for real, as command:debian-package.
SYSTEM_DEPS := prometheus:prometheus promtool:prometheus chromium:chromium

COMPONENT_SOURCES := $(shell find receiver processor exporter extension semconv internal cmd pkg -name '*.go' -not -name '*_test.go' 2>/dev/null) \
	$(shell find receiver processor exporter extension -name '*.yaml' -path '*internal*' -prune -o -name '*.yaml' -print 2>/dev/null)

.PHONY: all build run test unit e2e deps generate check-generate lint bench fuzz clean tools alumet-sim kube-scheduler integration bench-integration kube-controller-manager eco-hpa-capper helm kube-e2e bench-scale bench-compare benchstat

all: build

## build: build otelcol-eco with ocb into _build/
build: $(OTELCOL)

$(OTELCOL): $(OCB) builder-config.yaml go.mod go.sum $(COMPONENT_SOURCES)
	$(OCB) --config builder-config.yaml
	@touch $@

$(OCB): internal/tools/ocb/go.mod internal/tools/ocb/go.sum
	cd internal/tools/ocb && $(GO) build -o $(OCB) go.opentelemetry.io/collector/cmd/builder

$(MDATAGEN): internal/tools/mdatagen/go.mod internal/tools/mdatagen/go.sum
	cd internal/tools/mdatagen && $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen

tools: $(OCB) $(MDATAGEN)

## alumet-sim: build bin/alumet-sim, the Alumet relay-client simulator (demo energy, e2e and scale tests)
alumet-sim: $(BIN)/alumet-sim

$(BIN)/alumet-sim: go.mod go.sum $(shell find cmd/alumet-sim pkg/alumetrelay internal/clusterinventory -name '*.go' -not -name '*_test.go')
	$(GO) build -o $@ ./cmd/alumet-sim

## run: build otelcol-eco and run the offline demo (PROMETHEUS=1: also a local Prometheus scraping it)
run: build $(BIN)/alumet-sim
	PROMETHEUS=$(PROMETHEUS) scripts/run-demo.sh

## test: everything — lint, generated files fresh, unit tests, e2e tests with real Prometheus, scheduler integration tests, Helm chart and real-apiserver e2e tests
test: deps lint check-generate unit e2e integration kube-e2e

## deps: install the system programs the tests need (apt-get, as root)
deps:
	@scripts/ensure-deps.sh $(SYSTEM_DEPS)

## unit: unit tests of every module
unit:
	@set -e; for m in $(MODULES); do echo "== go test $$m"; (cd $$m && $(GO) test -count=1 ./...); done

## e2e: end-to-end tests (functions named TestE2E*, build tag e2e) against the built collector and a real Prometheus
e2e: build deps $(BIN)/alumet-sim
	$(GO) test -count=1 -tags e2e -run 'E2E' ./...
	@if [ -f test-artifacts/status-page.png ]; then echo "e2e: the status page as headless Chromium rendered it: test-artifacts/status-page.png"; fi

## generate: regenerate semconv constants/docs and components' internal/metadata
generate: $(MDATAGEN)
	$(GO) generate ./...

## check-generate: fail when generated files are stale
check-generate:
	$(GO) test -count=1 -run 'TestGeneratedFilesAreFresh' ./semconv/

## lint: go vet and gofmt on every module
lint:
	@# The tags only add files (no !e2e/!integration constraints), so one vet
	@# pass with both covers every file.
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet -tags e2e,integration ./...); done
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: all benchmarks with -benchmem (results in bench.txt; see BENCHMARKS.md)
bench:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -run '^$$' -bench . -benchmem -count=$${COUNT:-1} ./...); done | tee bench.txt

## bench-compare: benchstat of one package's benchmarks, BASE (a git revision) vs the working tree, run alternately
##   e.g. make bench-compare BASE=HEAD~3 PKG=./processor/sciprocessor BENCH='Ingest|Evaluate' COUNT=6
bench-compare:
	scripts/bench-compare.sh "$(BASE)" "$(PKG)" "$(or $(BENCH),.)"

## benchstat: build bin/benchstat (golang.org/x/perf, pinned in internal/tools/benchstat)
benchstat: $(BIN)/benchstat

$(BIN)/benchstat: internal/tools/benchstat/go.mod internal/tools/benchstat/go.sum
	cd internal/tools/benchstat && $(GO) build -o $(BIN)/benchstat golang.org/x/perf/cmd/benchstat

## fuzz: a short run of every fuzz target (FUZZTIME=10s each by default)
fuzz:
	scripts/fuzz.sh $(MODULES)

# ---- kube-scheduler with ecotel's plugins (module schedulerplugin) ----
KUBE_SCHEDULER := $(BIN)/kube-scheduler
# The Kubernetes release the scheduler is built from, plus ecotel's commit as
# semver build metadata (same precedence as the release, so version checks
# behave as for upstream). The Go build cache keeps the ~4 min cold compile
# of Kubernetes to a one-off; relinking after a plugin change takes seconds.
KUBE_VERSION := v1.37.2
GIT_COMMIT   := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
GIT_TREE     := $(shell test -z "$$(git status --porcelain 2>/dev/null)" && echo clean || echo dirty)
VERSION_PKG  := k8s.io/component-base/version
KUBE_SCHEDULER_LDFLAGS := -X $(VERSION_PKG).gitVersion=$(KUBE_VERSION)+ecotel.$(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown) \
	-X $(VERSION_PKG).gitMajor=1 -X $(VERSION_PKG).gitMinor=37 \
	-X $(VERSION_PKG).gitCommit=$(GIT_COMMIT) -X $(VERSION_PKG).gitTreeState=$(GIT_TREE) \
	-X $(VERSION_PKG).buildDate=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)
SCHEDULER_SOURCES := $(shell find schedulerplugin semconv -name '*.go' -not -name '*_test.go' 2>/dev/null) schedulerplugin/go.mod schedulerplugin/go.sum

## kube-scheduler: build bin/kube-scheduler (upstream kube-scheduler + SCIScore and CarbonDeferral)
kube-scheduler: $(KUBE_SCHEDULER)

$(KUBE_SCHEDULER): $(SCHEDULER_SOURCES)
	cd schedulerplugin && $(GO) build -ldflags '$(KUBE_SCHEDULER_LDFLAGS)' -o $(KUBE_SCHEDULER) ./cmd/kube-scheduler

## integration: scheduler and autoscaling tests against an in-process kube-apiserver, real Prometheus and the built binaries
# (no -trimpath: the in-process apiserver finds its test certificates through source paths)
integration: $(KUBE_SCHEDULER) $(KUBE_CONTROLLER_MANAGER) $(HPA_CAPPER) $(OTELCOL) $(BIN)/alumet-sim deps
	cd schedulerplugin && ECOTEL_KUBE_SCHEDULER=$(KUBE_SCHEDULER) $(GO) test -count=1 -tags integration -run Integration ./...
	cd test/kube && ECOTEL_KUBE_CONTROLLER_MANAGER=$(KUBE_CONTROLLER_MANAGER) ECOTEL_HPA_CAPPER=$(HPA_CAPPER) \
		OTELCOL_ECO=$(CURDIR)/$(OTELCOL) ALUMET_SIM=$(BIN)/alumet-sim $(GO) test -count=1 -tags integration -run Integration ./...

# ---- autoscaling: the HPA controller the autoscaling tests run, and the capper ----
## kube-controller-manager: build bin/kube-controller-manager (upstream, from test/kube's `tool` directive; ~3 min cold)
kube-controller-manager: $(KUBE_CONTROLLER_MANAGER)

$(KUBE_CONTROLLER_MANAGER): test/kube/go.mod test/kube/go.sum
	cd test/kube && $(GO) build -ldflags '-X $(VERSION_PKG).gitVersion=$(KUBE_VERSION) -X $(VERSION_PKG).gitMajor=1 -X $(VERSION_PKG).gitMinor=37' \
		-o $(KUBE_CONTROLLER_MANAGER) k8s.io/kubernetes/cmd/kube-controller-manager

## eco-hpa-capper: build bin/eco-hpa-capper (caps HPAs' maxReplicas while the grid is dirty; docs/autoscaling.md)
eco-hpa-capper: $(HPA_CAPPER)

$(HPA_CAPPER): go.mod go.sum $(shell find cmd/eco-hpa-capper internal/hpacap internal/promapi internal/gridzone -name '*.go' -not -name '*_test.go')
	$(GO) build -o $@ ./cmd/eco-hpa-capper

## bench-integration: scheduling throughput, default profile vs SCIScore, on an in-process cluster (NODES=500 by default)
bench-integration: $(KUBE_SCHEDULER)
	cd schedulerplugin && ECOTEL_KUBE_SCHEDULER=$(KUBE_SCHEDULER) ECOTEL_BENCH_NODES=$${NODES:-500} $(GO) test -tags integration -run '^$$' -bench Integration -benchtime=$${BENCHTIME:-500x} -count=$${COUNT:-1} ./test/integration/

## bench-scale: one gateway at 5,000 nodes / 150,000 pods, sci vs pass-through (long; SIZES="500 1000 5000"; results in _build/bench-scale)
bench-scale: build $(BIN)/alumet-sim
	scripts/bench-scale.sh

# ---- Helm chart (distribution/helm/ecotel) and real-apiserver e2e tests (module test/kube) ----
HELM := $(BIN)/helm
# helm v4, pinned in internal/tools/helm/go.mod; its version is stamped as
# helm's own Makefile does (otherwise `helm version` says only "v4.3").
HELM_VERSION := $(shell awk '$$1 == "helm.sh/helm/v4" {print $$2}' internal/tools/helm/go.mod)

## helm: build bin/helm (helm v4, the version pinned in internal/tools/helm)
helm: $(HELM)

$(HELM): internal/tools/helm/go.mod internal/tools/helm/go.sum
	cd internal/tools/helm && $(GO) build -ldflags '-X helm.sh/helm/v4/internal/version.version=$(HELM_VERSION)' -o $(HELM) helm.sh/helm/v4/cmd/helm

## kube-e2e: the chart (lint, template, otelcol-eco validate, server-side dry run, RBAC, its scheduler) and the node-annotation pipeline against an in-process kube-apiserver
kube-e2e: build $(HELM) $(BIN)/alumet-sim $(KUBE_SCHEDULER)
	cd test/kube && ECOTEL_HELM=$(HELM) ECOTEL_KUBE_SCHEDULER=$(KUBE_SCHEDULER) $(GO) test -count=1 -tags e2e -run E2E ./...

clean:
	rm -rf _build bin bench.txt
