// Package client talks to the ENTSO-E Transparency Platform's REST API as a
// good citizen: every request passes a token bucket shared by all zones and
// documents, an HTTP 429 ban ("Requester banned until …") stops all requests
// until it ends, and each answer is classified so the caller knows whether to
// retry soon (outage), late (rejected configuration) or not at all (no data
// yet). The security token travels only in the request URL and is scrubbed
// from every error.
package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
)

// Kind classifies the outcome of a request.
type Kind int

// Outcomes of a request.
const (
	// KindOK: a document with data.
	KindOK Kind = iota
	// KindNoData: acknowledgement 999 "No matching data found": nothing new
	// published; keep the last values, ask again at the next regular poll.
	KindNoData
	// KindRejected: the platform refuses the request as configured (bad
	// token, invalid parameters, unknown area). Retrying soon cannot help.
	KindRejected
	// KindRateLimited: HTTP 429; the token is banned until Error.RetryAt.
	KindRateLimited
	// KindTransient: outage, maintenance, timeout, dropped connection or an
	// unreadable body. Retry with backoff.
	KindTransient
)

// Error is a failed request, with the token scrubbed from its text.
type Error struct {
	Kind Kind
	// Status is a short label for telemetry ("401", "429", "ack_rejected", "timeout", …).
	Status string
	// RetryAt is when a ban ends (KindRateLimited).
	RetryAt time.Time
	// Hint says what to do about it.
	Hint string
	msg  string
	err  error
}

func (e *Error) Error() string {
	if e.Hint != "" {
		return e.msg + " (" + e.Hint + ")"
	}
	return e.msg
}

func (e *Error) Unwrap() error { return e.err }

// TokenSource returns the current security token (re-read on every request,
// so a rotated Kubernetes secret file takes effect without a restart).
type TokenSource func() (string, error)

// Config configures a Client.
type Config struct {
	// Endpoint is the API URL, e.g. https://web-api.tp.entsoe.eu/api.
	Endpoint string
	Token    TokenSource
	// RequestsPerMinute and Burst size the token bucket.
	RequestsPerMinute float64
	Burst             int
	// MaxBodyBytes caps a response body (default 64 MiB).
	MaxBodyBytes int64
	// DefaultBan is how long to pause after a 429 that names no end (default 10 min, the platform's ban).
	DefaultBan time.Duration
	// Now is the clock bans are measured with (default time.Now).
	Now func() time.Time
}

// Client performs requests. It is safe for concurrent use.
type Client struct {
	http     *http.Client
	endpoint *url.URL
	cfg      Config
	limiter  *rate.Limiter
	now      func() time.Time

	mu          sync.Mutex
	bannedUntil time.Time
}

// New returns a Client sending requests through httpClient.
func New(httpClient *http.Client, cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an absolute URL", cfg.Endpoint)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if cfg.DefaultBan <= 0 {
		cfg.DefaultBan = 10 * time.Minute
	}
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// The token is in the URL: never follow a redirect to another host.
	hc := *httpClient
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != u.Host {
			return fmt.Errorf("refusing redirect to another host (%s): the request carries the security token", req.URL.Host)
		}
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}
	return &Client{
		http:     &hc,
		endpoint: u,
		cfg:      cfg,
		limiter:  rate.NewLimiter(rate.Limit(cfg.RequestsPerMinute/60), cfg.Burst),
		now:      cfg.Now,
	}, nil
}

// BannedUntil returns when the current rate-limit ban ends (zero when none).
func (c *Client) BannedUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.now().Before(c.bannedUntil) {
		return time.Time{}
	}
	return c.bannedUntil
}

// Result describes a request that was sent (or refused locally).
type Result struct {
	// Status is the label for telemetry: the HTTP status code, or
	// "ack_no_data", "ack_rejected", "invalid_body", "timeout", "network", "banned".
	Status string
	// RateLimitWait is how long the token bucket held the request back.
	RateLimitWait time.Duration
	// Sent is false when the request never left (ban in force, context done while waiting).
	Sent bool
	// Duration is the time from sending the request to having read the answer.
	Duration time.Duration
}

// Fetch sends one GET with params (without the token) and parses the answer.
func (c *Client) Fetch(ctx context.Context, params url.Values) (*xmldoc.Document, Result, error) {
	var res Result
	if until := c.BannedUntil(); !until.IsZero() {
		res.Status = "banned"
		return nil, res, &Error{Kind: KindRateLimited, Status: "banned", RetryAt: until,
			msg: fmt.Sprintf("ENTSO-E rate-limit ban in force until %s; request not sent", until.Format(time.RFC3339))}
	}
	r := c.limiter.Reserve()
	if d := r.Delay(); d > 0 {
		res.RateLimitWait = d
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			r.Cancel()
			res.Status = "canceled"
			return nil, res, ctx.Err()
		case <-t.C:
		}
	}
	token, err := c.cfg.Token()
	if err != nil {
		res.Status = "no_token"
		return nil, res, &Error{Kind: KindRejected, Status: "no_token", msg: "reading the security token: " + err.Error(),
			Hint: "set token or token_file"}
	}
	u := *c.endpoint
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	q.Set("securityToken", token)
	u.RawQuery = q.Encode()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		res.Status = "invalid_request"
		return nil, res, c.scrub(&Error{Kind: KindRejected, Status: res.Status, msg: "building request: " + err.Error()}, token)
	}
	req.Header.Set("Accept", "application/xml, application/zip")
	res.Sent = true
	sentAt := time.Now()
	doc, err := c.exchange(req, params, &res)
	res.Duration = time.Since(sentAt)
	if err != nil {
		return nil, res, c.scrub(err, token)
	}
	return doc, res, nil
}

// exchange sends the request and reads and classifies the answer.
func (c *Client) exchange(req *http.Request, params url.Values, res *Result) (*xmldoc.Document, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		res.Status = "network"
		if isTimeout(err) {
			res.Status = "timeout"
		}
		return nil, &Error{Kind: KindTransient, Status: res.Status, msg: "request " + describe(params) + ": " + err.Error(), err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBodyBytes+1))
	res.Status = strconv.Itoa(resp.StatusCode)
	if err != nil {
		res.Status = "network"
		if isTimeout(err) {
			res.Status = "timeout"
		}
		return nil, &Error{Kind: KindTransient, Status: res.Status, msg: "reading response to " + describe(params) + ": " + err.Error(), err: err}
	}
	if int64(len(body)) > c.cfg.MaxBodyBytes {
		res.Status = "invalid_body"
		return nil, &Error{Kind: KindTransient, Status: res.Status, msg: fmt.Sprintf("response to %s exceeds %d bytes", describe(params), c.cfg.MaxBodyBytes)}
	}
	return c.classify(resp, body, params, res)
}

func (c *Client) classify(resp *http.Response, body []byte, params url.Values, res *Result) (*xmldoc.Document, error) {
	what := describe(params)
	switch code := resp.StatusCode; {
	case code == http.StatusOK, code == http.StatusBadRequest:
		// The platform answers "no data" with 200 and, on older servers,
		// 400; both carry an acknowledgement document.
		doc, err := xmldoc.Parse(body)
		var ack *xmldoc.AckError
		switch {
		case errors.As(err, &ack) && ack.NoData():
			res.Status = "ack_no_data"
			return nil, &Error{Kind: KindNoData, Status: res.Status, msg: what + ": no matching data published", err: err}
		case errors.As(err, &ack):
			res.Status = "ack_rejected"
			return nil, &Error{Kind: KindRejected, Status: res.Status, msg: what + ": " + ack.Error(), err: err,
				Hint: "the request is invalid for this zone or document; check the zone's EIC overrides and the documents enabled"}
		case err != nil && code == http.StatusBadRequest:
			return nil, &Error{Kind: KindRejected, Status: res.Status, msg: what + ": HTTP 400 " + snippet(body), err: err}
		case err != nil:
			res.Status = "invalid_body"
			return nil, &Error{Kind: KindTransient, Status: res.Status, msg: what + ": unreadable response: " + err.Error(), err: err}
		}
		return doc, nil
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return nil, &Error{Kind: KindRejected, Status: res.Status, msg: fmt.Sprintf("%s: HTTP %d, the security token was refused", what, code),
			Hint: "check token/token_file; tokens are issued on request to transparency@entsoe.eu"}
	case code == http.StatusTooManyRequests:
		until := c.banEnd(resp, body)
		c.mu.Lock()
		if until.After(c.bannedUntil) {
			c.bannedUntil = until
		}
		c.mu.Unlock()
		return nil, &Error{Kind: KindRateLimited, Status: res.Status, RetryAt: until,
			msg:  fmt.Sprintf("%s: HTTP 429, token banned until %s", what, until.Format(time.RFC3339)),
			Hint: "the limit is 400 requests/min per token across all its users; lower rate_limit.requests_per_minute or use one token per cluster"}
	case code == http.StatusNotFound:
		return nil, &Error{Kind: KindTransient, Status: res.Status, msg: what + ": HTTP 404",
			Hint: "check endpoint; the platform moved its API in 2023 and 2026"}
	default:
		return nil, &Error{Kind: KindTransient, Status: res.Status, msg: fmt.Sprintf("%s: HTTP %d %s", what, code, snippet(body))}
	}
}

var bannedUntilRE = regexp.MustCompile(`(?i)banned until\s*'?([0-9T:.\-+Z]+)'?`)

// banEnd reads the ban's end from the 429 body ("Requester banned until
// '2025-11-25T10:01:55.545Z'"), else from Retry-After, else assumes the
// platform's 10 minutes. A little jitter keeps several collectors sharing a
// token from all returning in the same second.
func (c *Client) banEnd(resp *http.Response, body []byte) time.Time {
	now := c.now()
	jitter := time.Duration(rand.Int64N(int64(10 * time.Second)))
	if m := bannedUntilRE.FindSubmatch(body); m != nil {
		if t, err := time.Parse(time.RFC3339Nano, string(m[1])); err == nil && t.After(now) && t.Before(now.Add(24*time.Hour)) {
			return t.Add(time.Second + jitter)
		}
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && s > 0 && s < 86400 {
			return now.Add(time.Duration(s)*time.Second + jitter)
		}
		if t, err := http.ParseTime(ra); err == nil && t.After(now) && t.Before(now.Add(24*time.Hour)) {
			return t.Add(jitter)
		}
	}
	return now.Add(c.cfg.DefaultBan + jitter)
}

// scrub removes the token from an error's text and from any URL it carries.
func (c *Client) scrub(err error, token string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	if token == "" {
		return e
	}
	e.msg = strings.ReplaceAll(e.msg, token, "REDACTED")
	e.msg = strings.ReplaceAll(e.msg, url.QueryEscape(token), "REDACTED")
	var ue *url.Error
	if errors.As(e.err, &ue) {
		// Keep the cause for errors.Is (timeouts) but drop the URL.
		e.err = ue.Err
	}
	if e.err != nil && strings.Contains(e.err.Error(), token) {
		e.err = errors.New(strings.ReplaceAll(e.err.Error(), token, "REDACTED"))
	}
	return e
}

// describe names a request for messages, without the token.
func describe(params url.Values) string {
	var b strings.Builder
	b.WriteString(params.Get("documentType"))
	for _, k := range []string{"in_Domain", "outBiddingZone_Domain"} {
		if v := params.Get(k); v != "" {
			b.WriteString(" " + v)
			break
		}
	}
	if s, e := params.Get("periodStart"), params.Get("periodEnd"); s != "" {
		b.WriteString(" " + s + "–" + e)
	}
	return b.String()
}

// snippet is the start of a body for an error message (HTML error pages included).
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
