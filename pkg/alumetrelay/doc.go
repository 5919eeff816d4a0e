// Package alumetrelay implements Alumet's relay protocol, version 2 (Alumet
// v0.7.0 and later): the TCP protocol between alumet-agent's relay-client and
// relay-server plugins.
//
// Alumet publishes no schema for it; the Rust types in plugins/relay are the
// schema. Every message is a frame: a 4-byte big-endian body length, then a
// postcard-encoded body. Postcard (v1 wire format) writes struct fields in
// order without tags, unsigned integers as LEB128 varints, f64 as 8 bytes
// little-endian, bool as one byte, strings and sequences as a varint length
// followed by their contents, and enums as a varint variant index followed by
// the variant's payload.
//
//	MessageBody      = sender string, content MessageEnum
//	MessageEnum      = 0 Greet | 1 GreetResponse | 2 RegisterMetrics | 3 SendMeasurements
//	Greet            = alumet_core_version string, relay_plugin_version string, protocol_version u32
//	GreetResponse    = accept bool, server_alumet_core_version string, server_relay_plugin_version string, protocol_version u32
//	RegisterMetrics  = metrics seq<Metric>
//	Metric           = id u64, name string, value_type (0 F64 | 1 U64), unit {base string, prefix string}
//	SendMeasurements = buf seq<Point>
//	Point            = metric_id u64, timestamp {secs u64, nanos u32}, value TypedValue,
//	                   resource_kind string, resource_id string, consumer_kind string, consumer_id string,
//	                   attributes seq<(key string, value TypedValue)>
//	TypedValue       = 0 F64 f64 | 1 U64 u64 | 2 Bool bool | 3 Str string | 4 ListU64 seq<u64>
//
// The package is shared by the alumetbridge receiver (which decodes) and
// alumet-sim (which encodes). Decoding of measurements is allocation-free:
// a MeasurementReader yields PointViews whose strings alias the frame.
package alumetrelay
