package alumetrelay

import (
	"encoding/binary"
	"math"
)

// decoder reads postcard values from a byte slice. The first error sticks:
// later reads return zero values, so callers check err once per message.
type decoder struct {
	buf []byte
	pos int
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.pos = len(d.buf)
}

func (d *decoder) uvarint() uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if d.pos >= len(d.buf) {
			d.fail(ErrTruncated)
			return 0
		}
		b := d.buf[d.pos]
		d.pos++
		if shift == 63 && b > 1 {
			d.fail(ErrVarintOverflow)
			return 0
		}
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
}

func (d *decoder) u32() uint32 {
	v := d.uvarint()
	if v > math.MaxUint32 {
		d.fail(ErrVarintOverflow)
		return 0
	}
	return uint32(v)
}

func (d *decoder) boolean() bool {
	if d.pos >= len(d.buf) {
		d.fail(ErrTruncated)
		return false
	}
	b := d.buf[d.pos]
	d.pos++
	if b > 1 {
		d.fail(ErrInvalidBool)
		return false
	}
	return b == 1
}

func (d *decoder) f64() float64 {
	if len(d.buf)-d.pos < 8 {
		d.fail(ErrTruncated)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.pos:]))
	d.pos += 8
	return v
}

// bytes reads a length-prefixed byte string and returns it aliasing buf.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)-d.pos) {
		d.fail(ErrLengthTooLarge)
		return nil
	}
	b := d.buf[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b
}

// seqLen reads a sequence length and checks it against the bytes left, each
// element taking at least minElem bytes, so a forged length cannot make a
// caller preallocate or loop beyond the body.
func (d *decoder) seqLen(minElem int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64((len(d.buf)-d.pos)/minElem) {
		d.fail(ErrLengthTooLarge)
		return 0
	}
	return int(n)
}

// ValueView is a TypedValue whose string and list alias the frame.
type ValueView struct {
	Kind ValueKind
	F64  float64
	U64  uint64
	Bool bool
	// Str holds a Str value; for a ListU64 it holds the encoded varints.
	Str []byte
	// ListLen is the element count of a ListU64.
	ListLen int
}

// Float returns a numeric value as float64; ok is false for non-numbers.
func (v *ValueView) Float() (f float64, ok bool) {
	switch v.Kind {
	case ValueF64:
		return v.F64, true
	case ValueU64:
		return float64(v.U64), true
	}
	return 0, false
}

// List decodes a ListU64 value.
func (v *ValueView) List() []uint64 {
	if v.Kind != ValueListU64 {
		return nil
	}
	d := decoder{buf: v.Str}
	out := make([]uint64, 0, v.ListLen)
	for i := 0; i < v.ListLen; i++ {
		out = append(out, d.uvarint())
	}
	return out
}

// Value copies the view into a Value that owns its memory.
func (v *ValueView) Value() Value {
	out := Value{Kind: v.Kind, F64: v.F64, U64: v.U64, Bool: v.Bool}
	switch v.Kind {
	case ValueStr:
		out.Str = string(v.Str)
	case ValueListU64:
		out.List = v.List()
	}
	return out
}

func (d *decoder) value(v *ValueView) {
	kind := d.uvarint()
	*v = ValueView{Kind: ValueKind(kind)}
	switch ValueKind(kind) {
	case ValueF64:
		v.F64 = d.f64()
	case ValueU64:
		v.U64 = d.uvarint()
	case ValueBool:
		v.Bool = d.boolean()
	case ValueStr:
		v.Str = d.bytes()
	case ValueListU64:
		n := d.seqLen(1)
		start := d.pos
		for i := 0; i < n && d.err == nil; i++ {
			d.uvarint()
		}
		v.Str, v.ListLen = d.buf[start:d.pos], n
	default:
		if d.err == nil {
			d.fail(ErrUnknownVariant)
		}
	}
}

// Body is a decoded MessageBody header; Payload is the message after the
// variant index.
type Body struct {
	Sender  []byte
	Kind    MessageKind
	Payload []byte
}

// ParseBody splits a frame body into sender, kind and payload.
func ParseBody(body []byte) (Body, error) {
	d := decoder{buf: body}
	sender := d.bytes()
	kind := d.uvarint()
	if d.err != nil {
		return Body{}, d.err
	}
	if kind > uint64(KindSendMeasurements) {
		return Body{}, ErrUnknownVariant
	}
	return Body{Sender: sender, Kind: MessageKind(kind), Payload: body[d.pos:]}, nil
}

func finish(d *decoder) error {
	if d.err != nil {
		return d.err
	}
	if d.pos != len(d.buf) {
		return ErrTrailingBytes
	}
	return nil
}

// DecodeGreet decodes a Greet payload.
func DecodeGreet(payload []byte) (Greet, error) {
	d := decoder{buf: payload}
	g := Greet{
		AlumetCoreVersion:  string(d.bytes()),
		RelayPluginVersion: string(d.bytes()),
		ProtocolVersion:    d.u32(),
	}
	if err := finish(&d); err != nil {
		return Greet{}, err
	}
	return g, nil
}

// DecodeGreetResponse decodes a GreetResponse payload.
func DecodeGreetResponse(payload []byte) (GreetResponse, error) {
	d := decoder{buf: payload}
	r := GreetResponse{Accept: d.boolean()}
	r.ServerAlumetCoreVersion = string(d.bytes())
	r.ServerRelayPluginVersion = string(d.bytes())
	r.ProtocolVersion = d.u32()
	if err := finish(&d); err != nil {
		return GreetResponse{}, err
	}
	return r, nil
}

// DecodeRegisterMetrics decodes a RegisterMetrics payload, appending to dst.
// A metric whose value type is unknown is kept with that type so the caller
// can count and drop it by id; any other defect fails the whole message.
func DecodeRegisterMetrics(payload []byte, dst []Metric) ([]Metric, error) {
	d := decoder{buf: payload}
	orig := len(dst)
	// id, name length, value type, base length, prefix length: 5 bytes minimum.
	n := d.seqLen(5)
	for i := 0; i < n && d.err == nil; i++ {
		var m Metric
		m.ID = d.uvarint()
		m.Name = string(d.bytes())
		vt := d.uvarint()
		if vt > 0xff {
			d.fail(ErrUnknownVariant)
		}
		m.ValueType = ValueType(vt)
		m.Unit.Base = string(d.bytes())
		m.Unit.Prefix = string(d.bytes())
		dst = append(dst, m)
	}
	if err := finish(&d); err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

// PointView is one point of a SendMeasurements payload. Its byte slices alias
// the frame and are valid until the frame buffer is reused.
type PointView struct {
	MetricID     uint64
	Secs         uint64
	Nanos        uint32
	Value        ValueView
	ResourceKind []byte
	ResourceID   []byte
	ConsumerKind []byte
	ConsumerID   []byte
	// NumAttributes is the number of attributes; Attributes iterates them.
	NumAttributes int

	metricIDRaw []byte // the encoded metric id
	identity    []byte // encoded resource, consumer and attributes
	attrs       []byte // encoded attributes, after their count
}

// AppendIdentity appends bytes that identify the point's series within one
// connection: its encoded metric id, resource, consumer and attributes (all
// but the timestamp and value). Equal series give equal bytes.
func (p *PointView) AppendIdentity(dst []byte) []byte {
	dst = append(dst, p.metricIDRaw...)
	return append(dst, p.identity...)
}

// Attributes returns an iterator over the point's attributes.
func (p *PointView) Attributes() AttributeIterator {
	return AttributeIterator{d: decoder{buf: p.attrs}, left: p.NumAttributes}
}

// Point copies the view into a Point that owns its memory.
func (p *PointView) Point() Point {
	out := Point{
		MetricID: p.MetricID, Secs: p.Secs, Nanos: p.Nanos, Value: p.Value.Value(),
		ResourceKind: string(p.ResourceKind), ResourceID: string(p.ResourceID),
		ConsumerKind: string(p.ConsumerKind), ConsumerID: string(p.ConsumerID),
	}
	it := p.Attributes()
	var v ValueView
	for key, ok := it.Next(&v); ok; key, ok = it.Next(&v) {
		out.Attributes = append(out.Attributes, Attribute{Key: string(key), Value: v.Value()})
	}
	return out
}

// AttributeIterator walks a point's attributes (already validated by the
// MeasurementReader that produced the point).
type AttributeIterator struct {
	d    decoder
	left int
}

// Next returns the next key and fills v with its value; ok is false at the end.
func (it *AttributeIterator) Next(v *ValueView) (key []byte, ok bool) {
	if it.left == 0 || it.d.err != nil {
		return nil, false
	}
	it.left--
	key = it.d.bytes()
	it.d.value(v)
	return key, it.d.err == nil
}

// MeasurementReader iterates the points of a SendMeasurements payload
// without allocating.
type MeasurementReader struct {
	d    decoder
	left int
	n    int
}

// minPointSize is the smallest encoding of a point: id 1, secs 1, nanos 1,
// value 2, four empty strings 4, attribute count 1.
const minPointSize = 10

// NewMeasurementReader reads the point count of a SendMeasurements payload.
func NewMeasurementReader(payload []byte) (MeasurementReader, error) {
	r := MeasurementReader{d: decoder{buf: payload}}
	r.n = r.d.seqLen(minPointSize)
	r.left = r.n
	return r, r.d.err
}

// Len is the number of points the message declares.
func (r *MeasurementReader) Len() int { return r.n }

// Remaining is the number of points not yet read.
func (r *MeasurementReader) Remaining() int { return r.left }

// Err returns the decoding error that stopped Next, or ErrTrailingBytes when
// all points were read but bytes remain.
func (r *MeasurementReader) Err() error {
	if r.d.err != nil {
		return r.d.err
	}
	if r.left == 0 && r.d.pos != len(r.d.buf) {
		return ErrTrailingBytes
	}
	return nil
}

// Next decodes the next point into p. It returns false at the end or on a
// decoding error (see Err).
func (r *MeasurementReader) Next(p *PointView) bool {
	if r.left == 0 || r.d.err != nil {
		return false
	}
	d := &r.d
	start := d.pos
	p.MetricID = d.uvarint()
	p.metricIDRaw = d.buf[start:d.pos]
	p.Secs = d.uvarint()
	p.Nanos = d.u32()
	d.value(&p.Value)
	idStart := d.pos
	p.ResourceKind = d.bytes()
	p.ResourceID = d.bytes()
	p.ConsumerKind = d.bytes()
	p.ConsumerID = d.bytes()
	p.NumAttributes = d.seqLen(2)
	attrStart := d.pos
	var v ValueView
	for i := 0; i < p.NumAttributes && d.err == nil; i++ {
		d.bytes()
		d.value(&v)
	}
	if d.err != nil {
		return false
	}
	p.identity = d.buf[idStart:d.pos]
	p.attrs = d.buf[attrStart:d.pos]
	r.left--
	return true
}

// DecodeSendMeasurements decodes a whole SendMeasurements payload into owned
// Points (tests, tools; the receiver uses MeasurementReader).
func DecodeSendMeasurements(payload []byte) ([]Point, error) {
	r, err := NewMeasurementReader(payload)
	if err != nil {
		return nil, err
	}
	out := make([]Point, 0, r.Len())
	var p PointView
	for r.Next(&p) {
		out = append(out, p.Point())
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
