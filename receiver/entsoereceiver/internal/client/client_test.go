package client

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tests run the client against an httptest server playing the
// Transparency Platform on its bad days. The server is a fake because the real
// platform cannot be asked to misbehave on cue; its answers copy the shapes
// documented in the reference (status codes, ban body, acknowledgements).

const token = "3f6c1a2e-5b7d-4c9e-8a10-2b4d6f8e0c12"

var params = url.Values{"documentType": {"A75"}, "processType": {"A16"}, "in_Domain": {"10YFR-RTE------C"},
	"periodStart": {"202511111200"}, "periodEnd": {"202511121200"}}

func newClient(t *testing.T, srv *httptest.Server, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		Endpoint:          srv.URL + "/api",
		Token:             func() (string, error) { return token, nil },
		RequestsPerMinute: 6000,
		Burst:             10,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(&http.Client{Timeout: 2 * time.Second}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func generationXML(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/replay/basic/FR_A75_generation.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkNoToken fails when the token leaks into an error.
func checkNoToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), token) {
		t.Errorf("token leaked: %v", err)
	}
	if err != nil && strings.Contains(fmt.Sprintf("%+v %#v", err, err), token) {
		t.Errorf("token leaked in formatted error")
	}
}

func TestRequestIsWellFormed(t *testing.T) {
	body := generationXML(t)
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		if r.URL.Path != "/api" || r.Method != http.MethodGet {
			http.Error(w, "wrong", http.StatusBadRequest)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	doc, res, err := newClient(t, srv).Fetch(context.Background(), params)
	if err != nil || doc.Type != "A75" || res.Status != "200" || !res.Sent || res.Duration <= 0 {
		t.Fatalf("%v %+v", err, res)
	}
	if got.Get("securityToken") != token || got.Get("documentType") != "A75" || got.Get("periodStart") != "202511111200" {
		t.Errorf("query %v", got)
	}
}

func TestMisbehavingServer(t *testing.T) {
	gen := generationXML(t)
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("A75.xml")
	w.Write(gen)
	zw.Close()

	cases := []struct {
		name    string
		handler http.HandlerFunc
		kind    Kind
		status  string
		hint    string
	}{
		{"zip body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream") // the type lies; the bytes do not
			w.Write(zipped.Bytes())
		}, KindOK, "200", ""},
		{"ack 999 with 200", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:8:0"><Reason><code>999</code><text>No matching data found for Data item AGGREGATED_GENERATION_PER_TYPE_R3 [16.1.B&amp;C]</text></Reason></Acknowledgement_MarketDocument>`)
		}, KindNoData, "ack_no_data", ""},
		{"ack 999 with 400 (older servers)", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<Acknowledgement_MarketDocument><Reason><code>999</code><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>`)
		}, KindNoData, "ack_no_data", ""},
		{"ack invalid parameters", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `<Acknowledgement_MarketDocument><Reason><code>999</code><text>check you request against dependency tables</text></Reason></Acknowledgement_MarketDocument>`)
		}, KindRejected, "ack_rejected", "EIC overrides"},
		{"400 without ack", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "bad request", http.StatusBadRequest)
		}, KindRejected, "400", ""},
		{"401", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		}, KindRejected, "401", "token_file"},
		{"404 after a migration", func(w http.ResponseWriter, _ *http.Request) {
			http.NotFound(w, nil)
		}, KindTransient, "404", "check endpoint"},
		{"503 maintenance", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Scheduled maintenance", http.StatusServiceUnavailable)
		}, KindTransient, "503", ""},
		{"garbage with 200", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "<html><body>Gateway says hello</body></html>")
		}, KindTransient, "invalid_body", ""},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		}, KindTransient, "timeout", ""},
		{"dropped connection", func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, KindTransient, "network", ""},
		{"dropped mid-body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100000")
			w.Write(gen[:500])
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, KindTransient, "network", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			doc, res, err := newClient(t, srv).Fetch(context.Background(), params)
			checkNoToken(t, err)
			if res.Status != tc.status {
				t.Errorf("status %q, want %q (err %v)", res.Status, tc.status, err)
			}
			if tc.kind == KindOK {
				if err != nil || doc == nil {
					t.Fatalf("want a document: %v", err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Kind != tc.kind {
				t.Fatalf("error %v (%T), want kind %d", err, err, tc.kind)
			}
			if tc.hint != "" && !strings.Contains(err.Error(), tc.hint) {
				t.Errorf("%q lacks the hint %q", err, tc.hint)
			}
		})
	}
}

func TestBanIsHonoured(t *testing.T) {
	var hits atomic.Int32
	until := time.Now().Add(1500 * time.Millisecond).UTC()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, "<html><body><p>Requester banned until '%s'.</p></body></html>", until.Format("2006-01-02T15:04:05.000Z"))
	}))
	defer srv.Close()
	c := newClient(t, srv)
	_, res, err := c.Fetch(context.Background(), params)
	var ce *Error
	if !errors.As(err, &ce) || ce.Kind != KindRateLimited || res.Status != "429" {
		t.Fatalf("%v %+v", err, res)
	}
	// The ban's end, plus a second and up to 10 s of jitter.
	if ce.RetryAt.Before(until.Add(time.Second)) || ce.RetryAt.After(until.Add(11*time.Second)) {
		t.Errorf("retry at %s for a ban until %s", ce.RetryAt, until)
	}
	if !strings.Contains(err.Error(), "400 requests/min") {
		t.Errorf("no hint: %v", err)
	}
	// While banned, nothing is sent.
	for range 3 {
		_, res, err = c.Fetch(context.Background(), params)
		if !errors.As(err, &ce) || ce.Kind != KindRateLimited || res.Status != "banned" || res.Sent {
			t.Fatalf("during ban: %v %+v", err, res)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("server hit %d times during the ban", hits.Load())
	}
	if c.BannedUntil().IsZero() {
		t.Error("BannedUntil is zero during the ban")
	}
}

func TestBanWithoutEnd(t *testing.T) {
	for name, handler := range map[string]http.HandlerFunc{
		"retry-after seconds": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		},
		"no hint at all": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, "Max allowed requests per minute from each unique IP is max up to 400 only")
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(handler)
			defer srv.Close()
			c := newClient(t, srv, func(c *Config) { c.DefaultBan = 5 * time.Minute })
			_, _, err := c.Fetch(context.Background(), params)
			var ce *Error
			if !errors.As(err, &ce) || ce.Kind != KindRateLimited {
				t.Fatal(err)
			}
			wait := time.Until(ce.RetryAt)
			if wait < 110*time.Second || wait > 5*time.Minute+11*time.Second {
				t.Errorf("waits %s", wait)
			}
		})
	}
}

func TestRateLimitWaits(t *testing.T) {
	body := generationXML(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }))
	defer srv.Close()
	// 600/min with no burst: one request per 100 ms.
	c := newClient(t, srv, func(c *Config) { c.RequestsPerMinute, c.Burst = 600, 1 })
	// Three requests at 10/s cannot finish sooner than 200 ms after the
	// first starts, however fast or slow the machine (on a loaded machine
	// the requests themselves may take the time, and the limiter then has
	// less to wait: only the lower bound is a property of the limiter).
	begin := time.Now()
	for range 3 {
		if _, _, err := c.Fetch(context.Background(), params); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed := time.Since(begin); elapsed < 195*time.Millisecond {
		t.Errorf("three requests at 10/s took only %s", elapsed)
	}
	// A cancelled context stops the wait without sending.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c2 := newClient(t, srv, func(c *Config) { c.RequestsPerMinute, c.Burst = 1, 1 })
	c2.Fetch(context.Background(), params)
	if _, res, err := c2.Fetch(ctx, params); err == nil || res.Sent {
		t.Errorf("cancelled wait: %v %+v", err, res)
	}
}

func TestRedirectToAnotherHostRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("token followed a redirect to %s", r.URL)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api?"+r.URL.RawQuery, http.StatusFound)
	}))
	defer srv.Close()
	_, _, err := newClient(t, srv).Fetch(context.Background(), params)
	checkNoToken(t, err)
	if err == nil || !strings.Contains(err.Error(), "refusing redirect") {
		t.Errorf("%v", err)
	}
}

func TestOversizedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 2048))
	}))
	defer srv.Close()
	_, res, err := newClient(t, srv, func(c *Config) { c.MaxBodyBytes = 1024 }).Fetch(context.Background(), params)
	if err == nil || res.Status != "invalid_body" {
		t.Errorf("%v %+v", err, res)
	}
}

func TestTokenProblems(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("request sent without a token")
	}))
	defer srv.Close()
	c := newClient(t, srv, func(c *Config) {
		c.Token = func() (string, error) { return "", errors.New("token_file /run/secret: no such file") }
	})
	_, res, err := c.Fetch(context.Background(), params)
	var ce *Error
	if !errors.As(err, &ce) || ce.Kind != KindRejected || res.Status != "no_token" || res.Sent {
		t.Errorf("%v %+v", err, res)
	}
	if _, err := New(http.DefaultClient, Config{Endpoint: "web-api.tp.entsoe.eu/api"}); err == nil {
		t.Error("relative endpoint accepted")
	}
}

func TestTokenScrubbedFromURLErrors(t *testing.T) {
	// A server that is not there: the transport error carries the URL.
	c, err := New(&http.Client{Timeout: time.Second}, Config{
		Endpoint: "http://127.0.0.1:1/api", Token: func() (string, error) { return token, nil }, RequestsPerMinute: 60, Burst: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := c.Fetch(context.Background(), params)
	if err == nil || res.Status != "network" {
		t.Fatalf("%v %+v", err, res)
	}
	checkNoToken(t, err)
	if !strings.Contains(err.Error(), "A75 10YFR-RTE------C") {
		t.Errorf("the error should still say what was asked: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Initial: 30 * time.Second, Max: 30 * time.Minute, Multiplier: 2}
	for n, want := range map[int]time.Duration{0: 30 * time.Second, 1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 30 * time.Minute, 100: 30 * time.Minute, 5000: 30 * time.Minute} {
		if got := b.Delay(n); got != want {
			t.Errorf("failure %d: %s, want %s", n, got, want)
		}
	}
	b.Jitter = 0.5
	for range 100 {
		if d := b.Delay(2); d < 30*time.Second || d > 90*time.Second {
			t.Fatalf("jittered %s outside ±50 %% of 1m", d)
		}
	}
}
