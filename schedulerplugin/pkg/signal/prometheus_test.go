package signal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPrometheusSourceSendsBearerTokenAndKeepsPathPrefix checks the HTTP
// side of the client: Prometheus itself cannot check bearer tokens, so a
// recording server answers with a Prometheus response recorded in testdata.
// The source's behaviour against a real Prometheus is in
// prometheus_integration_test.go.
func TestPrometheusSourceSendsBearerTokenAndKeepsPathPrefix(t *testing.T) {
	body, err := os.ReadFile("testdata/node_query.json")
	if err != nil {
		t.Fatal(err)
	}
	var gotAuth, gotPath, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath, gotQuery = r.Header.Get("Authorization"), r.URL.Path, r.URL.Query().Get("query")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := NewPrometheusSource(PrometheusConfig{Address: srv.URL + "/prom/", NodeQuery: "eco_node_carbon_per_vcpu_grams_per_hour",
		NodeLabel: "k8s_node_name", ZoneLabel: "eco_grid_zone_code", BearerTokenFile: token, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	snap, problems, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer s3cret" || gotPath != "/prom/api/v1/query" || gotQuery != "eco_node_carbon_per_vcpu_grams_per_hour" {
		t.Errorf("request: auth %q path %q query %q", gotAuth, gotPath, gotQuery)
	}
	if len(snap.Nodes) != 2 || len(problems) != 2 {
		t.Errorf("nodes %v, problems %+v; want 2 nodes, NaN and missing label dropped", snap.Nodes, problems)
	}

	// A missing token file fails the refresh and names the file, not a token.
	if err := os.Remove(token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.Fetch(context.Background()); err == nil || !strings.Contains(err.Error(), "token file") {
		t.Errorf("fetch without token file: %v", err)
	}
}

func TestNewPrometheusSourceRejectsBadAddress(t *testing.T) {
	for _, addr := range []string{"", "prometheus:9090", "ftp://x", "http://"} {
		if _, err := NewPrometheusSource(PrometheusConfig{Address: addr}); err == nil {
			t.Errorf("address %q accepted", addr)
		}
	}
}
