package hpacap

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ecotel/ecotel/internal/promapi"
)

func TestParseRules(t *testing.T) {
	rules, err := ParseRules(" 300=3, 150=6 ")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || rules[0] != (Rule{150, 6}) || rules[1] != (Rule{300, 3}) {
		t.Fatalf("got %+v", rules)
	}
	for in, want := range map[string]string{
		"":            "no threshold=maxReplicas pairs",
		"150:6":       "is not threshold=maxReplicas",
		"x=3":         "must be a non-negative number",
		"-5=3":        "must be a non-negative number",
		"NaN=3":       "must be a non-negative number",
		"150=0":       "must be an integer ≥ 1",
		"150=6,150=4": "appears twice",
		"150=3,300=6": "allows more replicas",
	} {
		if _, err := ParseRules(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRules(%q) = %v, want error containing %q", in, err, want)
		}
	}
}

func hpa(max int32, min int32, annotations map[string]string) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "jobs", Annotations: annotations},
		Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{MaxReplicas: max, MinReplicas: &min},
	}
}

func TestDecide(t *testing.T) {
	rules, _ := ParseRules("150=6,300=3")
	cases := []struct {
		name      string
		hpa       *autoscalingv2.HorizontalPodAutoscaler
		intensity float64
		err       error
		want      int32
		capped    bool
	}{
		{"clean grid keeps own max", hpa(12, 1, nil), 80, nil, 12, false},
		{"at threshold caps", hpa(12, 1, nil), 150, nil, 6, true},
		{"dirtier band caps harder", hpa(12, 1, nil), 420, nil, 3, true},
		{"never below minReplicas", hpa(12, 4, nil), 420, nil, 4, true},
		{"never above own max", hpa(5, 1, nil), 150, nil, 5, false},
		{"unknown intensity fails open", hpa(3, 1, map[string]string{AnnotationOriginal: "12", AnnotationApplied: "3"}), 0, errors.New("down"), 12, false},
		{"restores recorded original", hpa(3, 1, map[string]string{AnnotationOriginal: "12", AnnotationApplied: "3"}), 90, nil, 12, false},
		{"owner edit wins over recorded original", hpa(8, 1, map[string]string{AnnotationOriginal: "12", AnnotationApplied: "3"}), 90, nil, 8, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.hpa, rules, "SE-3", c.intensity, c.err)
			if d.MaxReplicas != c.want || d.Capped != c.capped {
				t.Fatalf("got %+v, want maxReplicas %d capped %v", d, c.want, c.capped)
			}
		})
	}
}

type fixedIntensity struct {
	value float64
	err   error
	calls int
}

func (f *fixedIntensity) IntensityGPerKWh(context.Context, string) (float64, error) {
	f.calls++
	return f.value, f.err
}

// The reconcile loop against client-go's fake clientset: patches, restores
// and leaves others alone. The real-apiserver + real HPA controller test of
// the same loop lives in test/kube.
func TestReconcileAll(t *testing.T) {
	ctx := context.Background()
	optedIn := hpa(12, 1, map[string]string{AnnotationZone: "se3", AnnotationRules: "150=6,300=3"})
	optedIn.Name = "capped"
	other := hpa(12, 1, nil)
	other.Name = "untouched"
	bad := hpa(12, 1, map[string]string{AnnotationZone: "DE", AnnotationRules: "150=6"})
	bad.Name = "bad-zone"
	cs := fake.NewClientset(optedIn, other, bad)
	in := &fixedIntensity{value: 320}
	c := &Capper{Client: cs, Intensity: in, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	get := func(name string) *autoscalingv2.HorizontalPodAutoscaler {
		h, err := cs.AutoscalingV2().HorizontalPodAutoscalers("jobs").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if err := c.ReconcileAll(ctx); err != nil {
		t.Fatal(err)
	}
	h := get("capped")
	if h.Spec.MaxReplicas != 3 || h.Annotations[AnnotationOriginal] != "12" || !strings.Contains(h.Annotations[AnnotationReason], "SE-3 at or above 300") {
		t.Fatalf("after dirty reconcile: max %d, annotations %v", h.Spec.MaxReplicas, h.Annotations)
	}
	if get("untouched").Spec.MaxReplicas != 12 || get("bad-zone").Spec.MaxReplicas != 12 {
		t.Fatal("HPAs without a valid opt-in were modified")
	}
	if in.calls != 1 {
		t.Errorf("intensity queried %d times, want once per zone", in.calls)
	}

	// Unchanged decision: no new patch.
	before := len(cs.Actions())
	if err := c.ReconcileAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range cs.Actions()[before:] {
		if a.GetVerb() == "patch" {
			t.Fatalf("unchanged decision patched again: %v", a)
		}
	}

	in.value = 40
	if err := c.ReconcileAll(ctx); err != nil {
		t.Fatal(err)
	}
	h = get("capped")
	if h.Spec.MaxReplicas != 12 {
		t.Fatalf("clean grid: maxReplicas %d, want 12 restored", h.Spec.MaxReplicas)
	}
	if _, ok := h.Annotations[AnnotationOriginal]; ok {
		t.Errorf("original annotation left behind: %v", h.Annotations)
	}
}

func TestPrometheusIntensity(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Query().Get("query"), `eco_grid_zone_code="SE-3"`) {
			http.Error(w, "bad query "+r.URL.RawQuery, 400)
			return
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()
	p, err := NewPrometheusIntensity(&promapi.Client{URL: srv.URL}, DefaultQuery, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return now }
	body = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1800000000,"212.5"]}]}}`
	if v, err := p.IntensityGPerKWh(context.Background(), "SE-3"); err != nil || v != 212.5 {
		t.Fatalf("got %v, %v", v, err)
	}
	for b, want := range map[string]string{
		`{"status":"success","data":{"resultType":"vector","result":[]}}`:                                         "returned 0 samples",
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"12"]}]}}`:           "is older than",
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1800000000,"NaN"]}]}}`: "returned NaN",
	} {
		body = b
		if _, err := p.IntensityGPerKWh(context.Background(), "SE-3"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("body %s: error %v, want %q", b, err, want)
		}
	}
}
