# ecotel — see README.md. The two commands: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := $(CURDIR)/bin
OCB   := $(BIN)/builder
MDATAGEN := $(BIN)/mdatagen
OTELCOL  := _build/otelcol-eco

# Go modules of this repository; the root one holds the collector components.
# test/kube: tests against a real kube-apiserver (k8s.io/kubernetes; its first
# compile takes about 6 minutes on 2 cores, later runs seconds).
MODULES := . test/kube
# System programs the tests run for real, as command:debian-package.
SYSTEM_DEPS := prometheus:prometheus promtool:prometheus

COMPONENT_SOURCES := $(shell find receiver processor exporter extension semconv internal cmd -name '*.go' -not -name '*_test.go' 2>/dev/null) \
	$(shell find receiver processor exporter extension -name '*.yaml' -path '*internal*' -prune -o -name '*.yaml' -print 2>/dev/null)

.PHONY: all build run test unit e2e deps generate check-generate lint bench fuzz clean tools

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

## run: build otelcol-eco and run the offline demo
run: build
	scripts/run-demo.sh

## test: everything — lint, generated files fresh, unit tests, e2e tests with real Prometheus
test: deps lint check-generate unit e2e

## deps: install the system programs the tests need (apt-get, as root)
deps:
	@scripts/ensure-deps.sh $(SYSTEM_DEPS)

## unit: unit tests of every module
unit:
	@set -e; for m in $(MODULES); do echo "== go test $$m"; (cd $$m && $(GO) test -count=1 ./...); done

## e2e: end-to-end tests (functions named TestE2E*, build tag e2e) against the built collector and a real Prometheus
e2e: build deps
	$(GO) test -count=1 -tags e2e -run 'E2E' ./...

## generate: regenerate semconv constants/docs and components' internal/metadata
generate: $(MDATAGEN)
	$(GO) generate ./...

## check-generate: fail when generated files are stale
check-generate:
	$(GO) test -count=1 -run 'TestGeneratedFilesAreFresh' ./semconv/

## lint: go vet and gofmt on every module
lint:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet ./... && $(GO) vet -tags e2e ./...); done
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: all benchmarks with -benchmem (results in bench.txt; see BENCHMARKS.md)
bench:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -run '^$$' -bench . -benchmem -count=$${COUNT:-1} ./...); done | tee bench.txt

## fuzz: a short run of every fuzz target (FUZZTIME=10s each by default)
fuzz:
	scripts/fuzz.sh $(MODULES)

clean:
	rm -rf _build bin bench.txt
