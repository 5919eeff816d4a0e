package alumetrelay

import "errors"

// ProtocolVersion is the relay protocol version this package speaks. Alumet
// has sent 2 since v0.7.0 (December 2024).
const ProtocolVersion uint32 = 2

// MaxMessageBodySize is Alumet's own limit on a frame body (32 MB).
const MaxMessageBodySize = 32_000_000

// FrameHeaderSize is the size of the big-endian body length before each body.
const FrameHeaderSize = 4

// MessageKind is the variant index of MessageEnum.
type MessageKind uint8

// The four message kinds, in Alumet's declaration order.
const (
	KindGreet            MessageKind = 0
	KindGreetResponse    MessageKind = 1
	KindRegisterMetrics  MessageKind = 2
	KindSendMeasurements MessageKind = 3
)

func (k MessageKind) String() string {
	switch k {
	case KindGreet:
		return "Greet"
	case KindGreetResponse:
		return "GreetResponse"
	case KindRegisterMetrics:
		return "RegisterMetrics"
	case KindSendMeasurements:
		return "SendMeasurements"
	}
	return "unknown"
}

// ValueType is the declared type of a metric's values.
type ValueType uint8

// Metric value types, in Alumet's declaration order.
const (
	ValueTypeF64 ValueType = 0
	ValueTypeU64 ValueType = 1
)

// ValueKind is the variant index of TypedValue.
type ValueKind uint8

// TypedValue variants, in Alumet's declaration order. Point values only use
// F64 and U64; attributes use all five (ListU64 was appended in July 2025
// without a protocol version change).
const (
	ValueF64     ValueKind = 0
	ValueU64     ValueKind = 1
	ValueBool    ValueKind = 2
	ValueStr     ValueKind = 3
	ValueListU64 ValueKind = 4
)

// Greet is the first message of a client.
type Greet struct {
	AlumetCoreVersion  string
	RelayPluginVersion string
	ProtocolVersion    uint32
}

// GreetResponse is the server's answer to a Greet.
type GreetResponse struct {
	Accept                   bool
	ServerAlumetCoreVersion  string
	ServerRelayPluginVersion string
	ProtocolVersion          uint32
}

// Unit is Alumet's PrefixedUnit as sent on the wire: the unit's unique name
// ("J", "W", "W.h", "s", "1", "By", "%", or a custom string) and the unique
// name of its prefix ("", "nano", "micro", "milli", "kilo", "mega", "giga").
type Unit struct {
	Base   string
	Prefix string
}

// Metric is one metric definition of a RegisterMetrics message. ID is the
// client's local id, used by the points of later SendMeasurements messages.
type Metric struct {
	ID        uint64
	Name      string
	ValueType ValueType
	Unit      Unit
}

// Value is a TypedValue. Only the field that Kind names is meaningful.
type Value struct {
	Kind ValueKind
	F64  float64
	U64  uint64
	Bool bool
	Str  string
	List []uint64
}

// F64Value, U64Value and StrValue build Values.
func F64Value(v float64) Value { return Value{Kind: ValueF64, F64: v} }

// U64Value returns a U64 Value.
func U64Value(v uint64) Value { return Value{Kind: ValueU64, U64: v} }

// StrValue returns a Str Value.
func StrValue(v string) Value { return Value{Kind: ValueStr, Str: v} }

// Attribute is one (key, value) pair of a point.
type Attribute struct {
	Key   string
	Value Value
}

// Point is one measurement as sent in SendMeasurements.
type Point struct {
	MetricID     uint64
	Secs         uint64
	Nanos        uint32
	Value        Value
	ResourceKind string
	ResourceID   string
	ConsumerKind string
	ConsumerID   string
	Attributes   []Attribute
}

// Decoding errors. They are sentinel values so that a hot decode loop that
// meets bad input does not allocate.
var (
	ErrTruncated        = errors.New("truncated: the body ends inside a field")
	ErrVarintOverflow   = errors.New("varint overflows its integer type")
	ErrInvalidBool      = errors.New("bool byte is neither 0 nor 1")
	ErrUnknownVariant   = errors.New("unknown enum variant")
	ErrTrailingBytes    = errors.New("bytes left after the message")
	ErrLengthTooLarge   = errors.New("length prefix larger than the rest of the body")
	ErrUnexpectedKind   = errors.New("unexpected message kind")
	ErrFrameTooLarge    = errors.New("frame body larger than the size limit")
	ErrFrameTooSmall    = errors.New("frame body too small to be a message")
	ErrSenderMismatch   = errors.New("frame sender differs from the greeted client name")
	ErrNotAGreet        = errors.New("first frame of a connection is not a Greet")
	ErrOutOfSync        = errors.New("stream out of sync: no frame boundary found")
	ErrInvalidTimestamp = errors.New("timestamp nanoseconds out of range")
)
