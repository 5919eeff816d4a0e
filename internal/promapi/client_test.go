package promapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	got, err := Decode([]byte(`{"status":"success","data":{"resultType":"vector","result":[
		{"metric":{"eco_grid_zone_code":"FR"},"value":[1796413102.5,"42.25"]},
		{"metric":{"eco_grid_zone_code":"SE-3"},"value":[1796413102,"NaN"]}]}}`), "200 OK")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Labels["eco_grid_zone_code"] != "FR" || got[0].Value != 42.25 || !math.IsNaN(got[1].Value) {
		t.Fatalf("got %+v", got)
	}
	if got[0].Time.UnixMilli() != 1796413102500 {
		t.Errorf("time = %v", got[0].Time)
	}
	s, err := Decode([]byte(`{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}`), "200 OK")
	if err != nil || len(s) != 1 || s[0].Value != 3 {
		t.Fatalf("scalar: %+v, %v", s, err)
	}
	for body, want := range map[string]string{
		`{"status":"error","errorType":"bad_data","error":"parse error"}`: "bad_data: parse error",
		`<html>502</html>`: "decode response (502)",
		`{"status":"success","data":{"resultType":"matrix","result":[]}}`:              "unsupported result type",
		`{"status":"success","data":{"resultType":"vector","result":[{"value":[1]}]}}`: "malformed sample",
	} {
		if _, err := Decode([]byte(body), "502"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s) error = %v, want %q", body, err, want)
		}
	}
}

func TestQuerySendsTokenAndQuery(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" || r.URL.Query().Get("query") != `up{job="x"}` {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL + "/", BearerToken: "s3cret"}
	if got, err := c.Query(context.Background(), `up{job="x"}`); err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]}]}}`))
	f.Add([]byte(`{"status":"success","data":{"resultType":"scalar","result":[1,"x"]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = Decode(body, "200 OK")
	})
}

func TestDecodeVectorRefusesOtherResults(t *testing.T) {
	for _, body := range []string{
		`{"status":"success","data":{"resultType":"matrix","result":[]}}`,
		`{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}`,
	} {
		if _, err := DecodeVector([]byte(body), "200 OK"); !errors.Is(err, ErrNotVector) {
			t.Errorf("DecodeVector(%s) error = %v, want ErrNotVector", body, err)
		}
	}
	got, err := DecodeVector([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"2"]}]}}`), "200 OK")
	if err != nil || len(got) != 1 || got[0].Labels["a"] != "b" || got[0].Value != 2 {
		t.Fatalf("vector: %+v, %v", got, err)
	}
}
