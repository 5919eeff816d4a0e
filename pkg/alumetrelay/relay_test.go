package alumetrelay

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

// The worked frames of the protocol description (shared reference, §3.1),
// derived by hand from Alumet's Rust types. Each test encodes the message and
// compares bytes, then decodes the bytes and compares the message.
func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	greetHex         = "00 00 00 15 06 6e 6f 64 65 2d 61 00 05 30 2e 39 2e 35 05 30 2e 36 2e 30 02"
	greetResponseHex = "00 00 00 10 00 01 01 05 30 2e 39 2e 35 05 30 2e 36 2e 30 02"
	registerHex      = "00 00 00 23 06 6e 6f 64 65 2d 61 02 01 03 14 72 61 70 6c 5f 63 6f 6e 73 75 6d 65 64 5f 65 6e 65 72 67 79 00 01 4a 00"
	measurementsHex  = "00 00 00 52 06 6e 6f 64 65 2d 61 03 01 03 a8 cc 91 c5 06 b4 bd dc cc 01 00 00 00 00 00 80 f9 0b 40 0d 6c 6f 63 61 6c 5f 6d 61 63 68 69 6e 65 00 0d 6c 6f 63 61 6c 5f 6d 61 63 68 69 6e 65 00 01 06 64 6f 6d 61 69 6e 03 0d 70 61 63 6b 61 67 65 5f 74 6f 74 61 6c"
)

var raplTotalPoint = Point{
	MetricID: 3, Secs: 1755604520, Nanos: 429334196, Value: F64Value(3.496826171875),
	ResourceKind: "local_machine", ConsumerKind: "local_machine",
	Attributes: []Attribute{{Key: "domain", Value: StrValue("package_total")}},
}

func parseFrame(t *testing.T, frame []byte) Body {
	t.Helper()
	if len(frame) < 4 || int(uint32(frame[0])<<24|uint32(frame[1])<<16|uint32(frame[2])<<8|uint32(frame[3])) != len(frame)-4 {
		t.Fatalf("frame length prefix does not match body: % x", frame)
	}
	b, err := ParseBody(frame[4:])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenGreet(t *testing.T) {
	want := mustHex(t, greetHex)
	g := Greet{AlumetCoreVersion: "0.9.5", RelayPluginVersion: "0.6.0", ProtocolVersion: 2}
	if got := AppendGreet(nil, "node-a", g); !bytes.Equal(got, want) {
		t.Fatalf("encode:\n got % x\nwant % x", got, want)
	}
	b := parseFrame(t, want)
	if string(b.Sender) != "node-a" || b.Kind != KindGreet {
		t.Fatalf("body %+v", b)
	}
	got, err := DecodeGreet(b.Payload)
	if err != nil || got != g {
		t.Fatalf("decode: %+v, %v", got, err)
	}
}

func TestGoldenGreetResponse(t *testing.T) {
	want := mustHex(t, greetResponseHex)
	r := GreetResponse{Accept: true, ServerAlumetCoreVersion: "0.9.5", ServerRelayPluginVersion: "0.6.0", ProtocolVersion: 2}
	if got := AppendGreetResponse(nil, "", r); !bytes.Equal(got, want) {
		t.Fatalf("encode:\n got % x\nwant % x", got, want)
	}
	b := parseFrame(t, want)
	if len(b.Sender) != 0 || b.Kind != KindGreetResponse {
		t.Fatalf("body %+v", b)
	}
	got, err := DecodeGreetResponse(b.Payload)
	if err != nil || got != r {
		t.Fatalf("decode: %+v, %v", got, err)
	}
}

func TestGoldenRegisterMetrics(t *testing.T) {
	want := mustHex(t, registerHex)
	ms := []Metric{{ID: 3, Name: "rapl_consumed_energy", ValueType: ValueTypeF64, Unit: Unit{Base: "J"}}}
	if got := AppendRegisterMetrics(nil, "node-a", ms); !bytes.Equal(got, want) {
		t.Fatalf("encode:\n got % x\nwant % x", got, want)
	}
	b := parseFrame(t, want)
	if b.Kind != KindRegisterMetrics {
		t.Fatalf("kind %v", b.Kind)
	}
	got, err := DecodeRegisterMetrics(b.Payload, nil)
	if err != nil || !reflect.DeepEqual(got, ms) {
		t.Fatalf("decode: %+v, %v", got, err)
	}
}

func TestGoldenSendMeasurements(t *testing.T) {
	want := mustHex(t, measurementsHex)
	if got := AppendSendMeasurements(nil, "node-a", []Point{raplTotalPoint}); !bytes.Equal(got, want) {
		t.Fatalf("encode:\n got % x\nwant % x", got, want)
	}
	b := parseFrame(t, want)
	if b.Kind != KindSendMeasurements {
		t.Fatalf("kind %v", b.Kind)
	}
	got, err := DecodeSendMeasurements(b.Payload)
	if err != nil || !reflect.DeepEqual(got, []Point{raplTotalPoint}) {
		t.Fatalf("decode: %+v, %v", got, err)
	}
}

// TestHandBuiltFrames builds frames byte by byte from the wire rules (not
// with the encoder) for the parts the worked examples do not cover: a U64
// point value, every attribute value type, multi-byte varints and a prefixed
// unit.
func TestHandBuiltFrames(t *testing.T) {
	body := []byte{
		0x01, 'n', // sender "n"
		0x03,       // SendMeasurements
		0x01,       // one point
		0x81, 0x01, // metric id 129 (two-byte varint)
		0x00, 0x00, // secs 0, nanos 0
		0x01, 0xe8, 0x07, // U64 1000
	}
	body = append(body, 0x03, 'g', 'p', 'u', 0x01, '0') // resource gpu/0
	body = append(body, 0x06, 'c', 'g', 'r', 'o', 'u', 'p', 0x02, '/', 'a')
	body = append(body, 0x05)                                          // five attributes
	body = append(body, 0x01, 'f', 0x00, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f) // f=F64 1.5
	body = append(body, 0x01, 'u', 0x01, 0xac, 0x02)                   // u=U64 300
	body = append(body, 0x01, 'b', 0x02, 0x01)                         // b=true
	body = append(body, 0x01, 's', 0x03, 0x02, 'h', 'i')               // s="hi"
	body = append(body, 0x01, 'l', 0x04, 0x03, 0x01, 0x02, 0x80, 0x01) // l=[1,2,128]
	want := Point{
		MetricID: 129, Value: U64Value(1000), ResourceKind: "gpu", ResourceID: "0",
		ConsumerKind: "cgroup", ConsumerID: "/a",
		Attributes: []Attribute{
			{Key: "f", Value: F64Value(1.5)},
			{Key: "u", Value: U64Value(300)},
			{Key: "b", Value: Value{Kind: ValueBool, Bool: true}},
			{Key: "s", Value: StrValue("hi")},
			{Key: "l", Value: Value{Kind: ValueListU64, List: []uint64{1, 2, 128}}},
		},
	}
	b, err := ParseBody(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSendMeasurements(b.Payload)
	if err != nil || !reflect.DeepEqual(got, []Point{want}) {
		t.Fatalf("decode: %+v, %v", got, err)
	}
	if enc := AppendSendMeasurements(nil, "n", []Point{want}); !bytes.Equal(enc[4:], body) {
		t.Fatalf("encode:\n got % x\nwant % x", enc[4:], body)
	}

	reg := []byte{0x01, 'n', 0x02, 0x01, 0x07, 0x03, 'e', 'n', 'j', 0x01, 0x01, 'J', 0x05, 'm', 'i', 'l', 'l', 'i'}
	b, err = ParseBody(reg)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := DecodeRegisterMetrics(b.Payload, nil)
	wantM := []Metric{{ID: 7, Name: "enj", ValueType: ValueTypeU64, Unit: Unit{Base: "J", Prefix: "milli"}}}
	if err != nil || !reflect.DeepEqual(ms, wantM) {
		t.Fatalf("register: %+v, %v", ms, err)
	}
}

func TestRoundTripExtremes(t *testing.T) {
	ps := []Point{
		{MetricID: math.MaxUint64, Secs: math.MaxUint64, Nanos: 999_999_999, Value: F64Value(math.Inf(-1))},
		{MetricID: 0, Value: U64Value(math.MaxUint64), ResourceKind: strings.Repeat("k", 300)},
		{Value: F64Value(-0.0), Attributes: []Attribute{{Key: "", Value: StrValue("")}, {Key: "l", Value: Value{Kind: ValueListU64, List: []uint64{}}}}},
	}
	frame := AppendSendMeasurements(nil, strings.Repeat("x", 200), ps)
	b := parseFrame(t, frame)
	got, err := DecodeSendMeasurements(b.Payload)
	if err != nil {
		t.Fatal(err)
	}
	// An empty list decodes as an empty (non-nil) slice.
	ps[2].Attributes[1].Value.List = []uint64{}
	if !reflect.DeepEqual(got, ps) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, ps)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := mustHex(t, measurementsHex)[4:]
	b, _ := ParseBody(good)
	cases := map[string]struct {
		payload []byte
		want    error
	}{
		"truncated":          {b.Payload[:len(b.Payload)-3], ErrLengthTooLarge},
		"truncated in f64":   {b.Payload[:15], ErrTruncated},
		"trailing":           {append(append([]byte{}, b.Payload...), 0), ErrTrailingBytes},
		"count too large":    {[]byte{0xff, 0x01, 0, 0, 0}, ErrLengthTooLarge},
		"unknown value":      {[]byte{1, 3, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0}, ErrUnknownVariant},
		"varint overflow":    {[]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ErrVarintOverflow},
		"nanos overflow u32": {[]byte{1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ErrVarintOverflow},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeSendMeasurements(c.payload)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if _, err := DecodeGreetResponse([]byte{2, 0, 0, 2}); !errors.Is(err, ErrInvalidBool) {
		t.Fatalf("bool: %v", err)
	}
	if _, err := ParseBody([]byte{0, 9}); !errors.Is(err, ErrUnknownVariant) {
		t.Fatalf("kind: %v", err)
	}
	if _, err := DecodeGreet([]byte{0, 0}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("greet: %v", err)
	}
	ms, err := DecodeRegisterMetrics([]byte{1, 3}, []Metric{{ID: 1}})
	if err == nil || len(ms) != 1 {
		t.Fatalf("register error must keep dst as it was: %v %v", ms, err)
	}
}

func TestIdentityIgnoresTimeAndValue(t *testing.T) {
	p1, p2, p3 := raplTotalPoint, raplTotalPoint, raplTotalPoint
	p2.Secs, p2.Value = 99, F64Value(7)
	p3.Attributes = []Attribute{{Key: "domain", Value: StrValue("dram_total")}}
	frame := AppendSendMeasurements(nil, "a", []Point{p1, p2, p3})
	r, err := NewMeasurementReader(parseFrame(t, frame).Payload)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var p PointView
	for r.Next(&p) {
		ids = append(ids, string(p.AppendIdentity(nil)))
	}
	if r.Err() != nil || len(ids) != 3 {
		t.Fatal(r.Err(), len(ids))
	}
	if ids[0] != ids[1] || ids[0] == ids[2] {
		t.Fatalf("identities %q", ids)
	}
}

func framesStream(frames ...[]byte) *bufio.Reader {
	return bufio.NewReaderSize(bytes.NewReader(bytes.Join(frames, nil)), 4096)
}

func TestFrameReaderResyncsAfterGarbage(t *testing.T) {
	greet := AppendGreet(nil, "node-a", Greet{ProtocolVersion: 2})
	m1 := AppendSendMeasurements(nil, "node-a", []Point{raplTotalPoint})
	garbage := []byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x07, 0x06, 'n', 'o'}
	fr := NewFrameReader(framesStream(greet, m1, garbage, m1), MaxMessageBodySize)
	body, skipped, err := fr.Next()
	if err != nil || skipped != 0 {
		t.Fatal(err, skipped)
	}
	if b, _ := ParseBody(body); b.Kind != KindGreet {
		t.Fatal("first frame is not the Greet")
	}
	fr.SetSender("node-a")
	for i, wantSkip := range []int{0, len(garbage)} {
		body, skipped, err = fr.Next()
		if err != nil || skipped != wantSkip {
			t.Fatalf("frame %d: skipped %d (want %d), %v", i, skipped, wantSkip, err)
		}
		if !bytes.Equal(body, m1[4:]) {
			t.Fatalf("frame %d body differs", i)
		}
	}
	if _, _, err = fr.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestFrameReaderOversizeFrameIsSkipped(t *testing.T) {
	big := AppendSendMeasurements(nil, "n", []Point{{ResourceKind: strings.Repeat("r", 2000)}})
	small := AppendSendMeasurements(nil, "n", []Point{raplTotalPoint})
	fr := NewFrameReader(framesStream(big, small), 1000)
	fr.SetSender("n")
	if _, _, err := fr.Next(); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("oversize: %v", err)
	}
	body, _, err := fr.Next()
	if err != nil || !bytes.Equal(body, small[4:]) {
		t.Fatalf("after oversize: %v", err)
	}
}

func TestFrameReaderTruncated(t *testing.T) {
	m := AppendSendMeasurements(nil, "n", []Point{raplTotalPoint})
	for _, cut := range []int{2, 4, 7, len(m) - 1} {
		fr := NewFrameReader(framesStream(m[:cut]), 1000)
		fr.SetSender("n")
		if _, _, err := fr.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
}

func TestFrameReaderLargeBodiesUsePool(t *testing.T) {
	pts := make([]Point, 2000)
	for i := range pts {
		pts[i] = raplTotalPoint
	}
	m := AppendSendMeasurements(nil, "n", pts)
	if len(m) <= keepBufferSize {
		t.Fatalf("test frame too small: %d", len(m))
	}
	fr := NewFrameReader(framesStream(m, m), MaxMessageBodySize)
	fr.SetSender("n")
	for i := 0; i < 2; i++ {
		body, _, err := fr.Next()
		if err != nil || !bytes.Equal(body, m[4:]) {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	fr.Close()
	if fr.small != nil && cap(fr.small) > keepBufferSize {
		t.Fatal("large body kept in the per-connection buffer")
	}
}
