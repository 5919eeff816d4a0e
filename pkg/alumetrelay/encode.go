package alumetrelay

import (
	"encoding/binary"
	"math"
)

// AppendUvarint appends v as a postcard (LEB128) varint.
func AppendUvarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// AppendString appends s as a postcard string: varint length, then bytes.
func AppendString(dst []byte, s string) []byte {
	dst = AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// AppendBool appends b as one byte.
func AppendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendF64 appends v as 8 bytes little-endian.
func AppendF64(dst []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
}

// AppendValue appends a TypedValue.
func AppendValue(dst []byte, v Value) []byte {
	dst = AppendUvarint(dst, uint64(v.Kind))
	switch v.Kind {
	case ValueF64:
		dst = AppendF64(dst, v.F64)
	case ValueU64:
		dst = AppendUvarint(dst, v.U64)
	case ValueBool:
		dst = AppendBool(dst, v.Bool)
	case ValueStr:
		dst = AppendString(dst, v.Str)
	case ValueListU64:
		dst = AppendUvarint(dst, uint64(len(v.List)))
		for _, x := range v.List {
			dst = AppendUvarint(dst, x)
		}
	}
	return dst
}

// AppendPoint appends one Point of a SendMeasurements message.
func AppendPoint(dst []byte, p *Point) []byte {
	dst = AppendUvarint(dst, p.MetricID)
	dst = AppendUvarint(dst, p.Secs)
	dst = AppendUvarint(dst, uint64(p.Nanos))
	dst = AppendValue(dst, p.Value)
	dst = AppendString(dst, p.ResourceKind)
	dst = AppendString(dst, p.ResourceID)
	dst = AppendString(dst, p.ConsumerKind)
	dst = AppendString(dst, p.ConsumerID)
	dst = AppendUvarint(dst, uint64(len(p.Attributes)))
	for i := range p.Attributes {
		dst = AppendString(dst, p.Attributes[i].Key)
		dst = AppendValue(dst, p.Attributes[i].Value)
	}
	return dst
}

// BeginFrame appends a frame header placeholder, the body's sender and the
// message kind to dst. The caller appends the message payload, then calls
// EndFrame with the returned start offset to fill in the body length.
func BeginFrame(dst []byte, sender string, kind MessageKind) (buf []byte, start int) {
	start = len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendString(dst, sender)
	dst = AppendUvarint(dst, uint64(kind))
	return dst, start
}

// EndFrame writes the big-endian body length of the frame begun at start.
func EndFrame(buf []byte, start int) []byte {
	binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-FrameHeaderSize))
	return buf
}

// AppendGreet appends a complete Greet frame.
func AppendGreet(dst []byte, sender string, g Greet) []byte {
	dst, start := BeginFrame(dst, sender, KindGreet)
	dst = AppendString(dst, g.AlumetCoreVersion)
	dst = AppendString(dst, g.RelayPluginVersion)
	dst = AppendUvarint(dst, uint64(g.ProtocolVersion))
	return EndFrame(dst, start)
}

// AppendGreetResponse appends a complete GreetResponse frame. Alumet's server
// sends it with an empty sender.
func AppendGreetResponse(dst []byte, sender string, r GreetResponse) []byte {
	dst, start := BeginFrame(dst, sender, KindGreetResponse)
	dst = AppendBool(dst, r.Accept)
	dst = AppendString(dst, r.ServerAlumetCoreVersion)
	dst = AppendString(dst, r.ServerRelayPluginVersion)
	dst = AppendUvarint(dst, uint64(r.ProtocolVersion))
	return EndFrame(dst, start)
}

// AppendRegisterMetrics appends a complete RegisterMetrics frame.
func AppendRegisterMetrics(dst []byte, sender string, metrics []Metric) []byte {
	dst, start := BeginFrame(dst, sender, KindRegisterMetrics)
	dst = AppendUvarint(dst, uint64(len(metrics)))
	for i := range metrics {
		m := &metrics[i]
		dst = AppendUvarint(dst, m.ID)
		dst = AppendString(dst, m.Name)
		dst = AppendUvarint(dst, uint64(m.ValueType))
		dst = AppendString(dst, m.Unit.Base)
		dst = AppendString(dst, m.Unit.Prefix)
	}
	return EndFrame(dst, start)
}

// AppendSendMeasurements appends a complete SendMeasurements frame.
func AppendSendMeasurements(dst []byte, sender string, points []Point) []byte {
	dst, start := BeginFrame(dst, sender, KindSendMeasurements)
	dst = AppendUvarint(dst, uint64(len(points)))
	for i := range points {
		dst = AppendPoint(dst, &points[i])
	}
	return EndFrame(dst, start)
}
