// Command eco-hpa-capper lowers the maxReplicas of opted-in
// HorizontalPodAutoscalers while their bidding zone's grid is dirty, and
// restores it when the grid is clean again or the signal is lost. See
// internal/hpacap and docs/autoscaling.md ("cap when dirty").
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ecotel/ecotel/internal/hpacap"
	"github.com/ecotel/ecotel/internal/promapi"
)

func main() {
	var (
		kubeconfig = flag.String("kubeconfig", "", "kubeconfig file; empty means in-cluster configuration")
		promURL    = flag.String("prometheus-url", "http://prometheus:9090", "Prometheus base URL")
		tokenFile  = flag.String("prometheus-token-file", "", "file holding a bearer token for Prometheus (optional)")
		query      = flag.String("query", hpacap.DefaultQuery, "PromQL returning one zone's intensity in g/kWh; {{.Zone}} is the zone code")
		maxAge     = flag.Duration("max-sample-age", 10*time.Minute, "treat older samples as missing (fail open)")
		interval   = flag.Duration("interval", time.Minute, "reconcile period")
		namespace  = flag.String("namespace", "", "only cap HPAs in this namespace (default: all)")
		healthAddr = flag.String("health-address", ":8081", "address of the /healthz endpoint (empty disables)")
	)
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(logger, *kubeconfig, *promURL, *tokenFile, *query, *maxAge, *interval, *namespace, *healthAddr); err != nil {
		logger.Error("eco-hpa-capper", "error", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger, kubeconfig, promURL, tokenFile, query string, maxAge, interval time.Duration, namespace, healthAddr string) error {
	if interval <= 0 {
		return fmt.Errorf("-interval must be positive")
	}
	var cfg *rest.Config
	var err error
	if kubeconfig == "" {
		cfg, err = rest.InClusterConfig()
	} else {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	}
	if err != nil {
		return fmt.Errorf("kubernetes client configuration: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	prom := &promapi.Client{URL: promURL}
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return fmt.Errorf("-prometheus-token-file: %w", err)
		}
		prom.BearerToken = string(trimNewline(b))
	}
	intensity, err := hpacap.NewPrometheusIntensity(prom, query, maxAge)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if healthAddr != "" {
		srv := &http.Server{Addr: healthAddr, ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte("ok\n"))
		})}
		go func() {
			if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
				logger.Error("health endpoint", "error", err)
			}
		}()
		defer srv.Close()
	}
	logger.Info("starting", "prometheus", promURL, "interval", interval, "namespace", namespace)
	(&hpacap.Capper{Client: cs, Intensity: intensity, Namespace: namespace, Logger: logger}).Run(ctx, interval)
	return nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
