// Package promapi is a minimal client for Prometheus' HTTP query API
// (/api/v1/query): enough for ecotel's controllers and test harness to read
// instant vectors, without pulling in Prometheus' own client library.
package promapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sample is one element of an instant-query result.
type Sample struct {
	Labels map[string]string
	Value  float64
	Time   time.Time
}

// Client queries one Prometheus server.
type Client struct {
	// URL is the server's base URL, e.g. http://prometheus:9090.
	URL string
	// HTTP is the client to use; nil means a client with a 10 s timeout.
	HTTP *http.Client
	// BearerToken, when set, is sent as an Authorization header.
	BearerToken string
}

var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

// Query runs an instant query and returns its vector; a scalar result comes
// back as one sample without labels.
func (c *Client) Query(ctx context.Context, promql string) ([]Sample, error) {
	u := strings.TrimRight(c.URL, "/") + "/api/v1/query?query=" + url.QueryEscape(promql)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if c.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.BearerToken)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus query: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("prometheus query: read response: %w", err)
	}
	return Decode(body, resp.Status)
}

// ErrNotVector is returned by DecodeVector for any other result type.
var ErrNotVector = errors.New("result is not an instant vector")

// Decode parses a /api/v1/query response body: an instant vector, or a
// scalar as one sample without labels.
func Decode(body []byte, status string) ([]Sample, error) {
	resultType, result, err := decodeEnvelope(body, status)
	if err != nil {
		return nil, err
	}
	switch resultType {
	case "vector":
		return decodeVector(result)
	case "scalar":
		var raw [2]any
		if err := json.Unmarshal(result, &raw); err != nil {
			return nil, fmt.Errorf("prometheus query: decode scalar: %w", err)
		}
		s, err := sample(raw)
		if err != nil {
			return nil, err
		}
		return []Sample{s}, nil
	default:
		return nil, fmt.Errorf("prometheus query: unsupported result type %q (use an instant vector query)", resultType)
	}
}

// DecodeVector is Decode for callers that need one sample per series: any
// result but an instant vector is an error wrapping ErrNotVector.
func DecodeVector(body []byte, status string) ([]Sample, error) {
	resultType, result, err := decodeEnvelope(body, status)
	if err != nil {
		return nil, err
	}
	if resultType != "vector" {
		return nil, fmt.Errorf("prometheus query: %w (got %q)", ErrNotVector, resultType)
	}
	return decodeVector(result)
}

// decodeEnvelope checks the response's status and returns its result.
func decodeEnvelope(body []byte, status string) (resultType string, result json.RawMessage, err error) {
	var r struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", nil, fmt.Errorf("prometheus query: decode response (%s): %w", status, err)
	}
	if r.Status != "success" {
		return "", nil, fmt.Errorf("prometheus query: %s: %s", r.ErrorType, r.Error)
	}
	return r.Data.ResultType, r.Data.Result, nil
}

func decodeVector(result json.RawMessage) ([]Sample, error) {
	var raw []struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	}
	if err := json.Unmarshal(result, &raw); err != nil {
		return nil, fmt.Errorf("prometheus query: decode vector: %w", err)
	}
	out := make([]Sample, 0, len(raw))
	for _, e := range raw {
		s, err := sample(e.Value)
		if err != nil {
			return nil, fmt.Errorf("%w (series %v)", err, e.Metric)
		}
		s.Labels = e.Metric
		out = append(out, s)
	}
	return out, nil
}

func sample(v [2]any) (Sample, error) {
	ts, ok1 := v[0].(float64)
	str, ok2 := v[1].(string)
	if !ok1 || !ok2 {
		return Sample{}, fmt.Errorf("prometheus query: malformed sample %v", v)
	}
	val, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return Sample{}, fmt.Errorf("prometheus query: sample value %q: %w", str, err)
	}
	sec := int64(ts)
	return Sample{Value: val, Time: time.Unix(sec, int64((ts-float64(sec))*1e9))}, nil
}
