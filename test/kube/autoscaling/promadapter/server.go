package promadapter

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	aggregator "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	basecmd "sigs.k8s.io/custom-metrics-apiserver/pkg/cmd"

	"github.com/ecotel/ecotel/internal/promapi"
)

// Listener is the adapter's bound port. The kube-apiserver's aggregator is
// routed to it by Reserve, because an aggregated API cannot be reached on
// loopback through Endpoints (their validation refuses loopback IPs).
type Listener struct {
	net.Listener
	Port int
}

// Reserve binds a loopback port for the adapter and makes every aggregated
// API service resolve to it. Call it before kubetest.Start: the API server
// reads the resolver when it starts. The resolver is process-global, so
// tests using it must not run in parallel.
func Reserve(t testing.TB) *Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	t.Cleanup(app.SetServiceResolverForTests(staticResolver("https://127.0.0.1:" + strconv.Itoa(port))))
	return &Listener{Listener: ln, Port: port}
}

type staticResolver string

func (r staticResolver) ResolveEndpoint(_, _ string, _ int32) (*url.URL, error) {
	return url.Parse(string(r))
}

// Options configure Start.
type Options struct {
	// Kubeconfig reaches the kube-apiserver: the adapter authenticates and
	// authorizes its callers there (delegated, as prometheus-adapter does).
	Kubeconfig string
	// Config is the same API server's client configuration, used to register
	// the APIService.
	Config *rest.Config
	// PrometheusURL is the Prometheus the rules are queried on.
	PrometheusURL string
	// Rules are the external rules to serve (LoadHelmValues).
	Rules []Rule
	// RelistInterval is --metrics-relist-interval (default 1s here; the
	// adapter's default, 10m, is far too slow for a test). Series seen within
	// the last RelistInterval are discovered, as with --metrics-max-age unset.
	RelistInterval time.Duration
}

// Adapter is the running stand-in for prometheus-adapter.
type Adapter struct {
	provider *externalProvider

	mu      sync.Mutex
	queries []Query
}

// Query is one PromQL query the adapter ran for an external-metrics request.
type Query struct {
	Metric, Namespace, PromQL string
}

// Start serves opts.Rules on external.metrics.k8s.io/v1beta1 through the
// kube-apiserver's aggregation layer: it runs a custom-metrics-apiserver
// (sigs.k8s.io/custom-metrics-apiserver, the library prometheus-adapter is
// built on) in the test process on ln, registers the APIService and waits
// until the API answers. Everything stops when the test ends.
func Start(t testing.TB, ln *Listener, opts Options) *Adapter {
	t.Helper()
	if opts.RelistInterval == 0 {
		opts.RelistInterval = time.Second
	}
	base := &basecmd.AdapterBase{Name: "ecotel-test-prometheus-adapter", FlagSet: pflag.NewFlagSet("adapter", pflag.ContinueOnError)}
	base.InstallFlags()
	base.SecureServing.Listener = ln.Listener
	if err := base.Flags().Parse([]string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(ln.Port),
		"--cert-dir=" + t.TempDir(),
		"--lister-kubeconfig=" + opts.Kubeconfig,
		"--authentication-kubeconfig=" + opts.Kubeconfig,
		"--authorization-kubeconfig=" + opts.Kubeconfig,
	}); err != nil {
		t.Fatalf("promadapter: flags: %v", err)
	}
	mapper, err := base.RESTMapper()
	if err != nil {
		t.Fatalf("promadapter: %v", err)
	}
	rules, err := compileRules(opts.Rules, mapper)
	if err != nil {
		t.Fatalf("promadapter: %v", err)
	}
	a := &Adapter{}
	a.provider = &externalProvider{
		prom:   &promapi.Client{URL: opts.PrometheusURL},
		rules:  rules,
		maxAge: opts.RelistInterval,
		queryLog: func(metric, namespace, q string) {
			a.mu.Lock()
			a.queries = append(a.queries, Query{metric, namespace, q})
			a.mu.Unlock()
		},
	}
	base.WithExternalMetrics(a.provider)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.provider.run(ctx, opts.RelistInterval)
	}()
	runErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		runErr <- base.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})

	waitServing(t, ln.Port, runErr)
	register(t, opts.Config)
	return a
}

// Queries returns the PromQL queries run so far.
func (a *Adapter) Queries() []Query {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Query(nil), a.queries...)
}

func waitServing(t testing.TB, port int, runErr <-chan error) {
	t.Helper()
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		// The adapter's certificate is self-signed, as in a default
		// prometheus-adapter install (the APIService skips verification too).
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback test server
	}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-runErr:
			t.Fatalf("promadapter: server stopped: %v", err)
		default:
		}
		resp, err := hc.Get(fmt.Sprintf("https://127.0.0.1:%d/healthz", port))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("/healthz: %s", resp.Status)
		}
		if time.Now().After(deadline) {
			t.Fatalf("promadapter: not serving after 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Namespace and Service the APIService points at. The Service is of type
// ExternalName so the aggregator's availability check does not look for
// endpoints; Reserve's resolver sends the calls to the adapter.
const (
	serviceNamespace = "ecotel-test-adapter"
	serviceName      = "prometheus-adapter"
	apiServiceName   = "v1beta1.external.metrics.k8s.io"
)

func register(t testing.TB, cfg *rest.Config) {
	t.Helper()
	ctx := context.Background()
	cs := kubernetes.NewForConfigOrDie(cfg)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: serviceNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("promadapter: %v", err)
	}
	if _, err := cs.CoreV1().Services(serviceNamespace).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: serviceName},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("promadapter: %v", err)
	}
	port := int32(443)
	if _, err := aggregator.NewForConfigOrDie(cfg).ApiregistrationV1().APIServices().Create(ctx, &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: apiServiceName},
		Spec: apiregistrationv1.APIServiceSpec{
			Service:               &apiregistrationv1.ServiceReference{Namespace: serviceNamespace, Name: serviceName, Port: &port},
			Group:                 "external.metrics.k8s.io",
			Version:               "v1beta1",
			InsecureSkipTLSVerify: true,
			GroupPriorityMinimum:  100,
			VersionPriority:       100,
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("promadapter: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cs.Discovery().ServerResourcesForGroupVersion("external.metrics.k8s.io/v1beta1")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("promadapter: external.metrics.k8s.io/v1beta1 not served through the API server after 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
