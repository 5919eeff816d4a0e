package alumetbridgereceiver

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
)

func TestRelayHandshake(t *testing.T) {
	r := startReceiver(t, nil)
	c := dial(t, r, "node-a")
	resp := c.greet(2)
	want := alumetrelay.GreetResponse{Accept: true, ServerAlumetCoreVersion: "0.9.5", ServerRelayPluginVersion: "0.6.0", ProtocolVersion: 2}
	if resp != want {
		t.Fatalf("GreetResponse %+v", resp)
	}
	// Byte for byte the worked GreetResponse frame of the protocol reference.
	golden, _ := hex.DecodeString("000000100001010530 2e392e35 05302e362e3002"[0:0] + "0000001000010105302e392e3505302e362e3002")
	if got := alumetrelay.AppendGreetResponse(nil, "", resp); !bytes.Equal(got, golden) {
		t.Fatalf("GreetResponse bytes % x", got)
	}
	c.register()
	c.send(raplTotal("package_total", 1000, 3.5), raplTotal("dram_total", 1000, 0.5))
	c.send(raplTotal("package_total", 1001, 3.5), raplTotal("dram_total", 1001, 0.5))
	waitFor(t, "host energy of node-a", func() bool { return r.latest(t)["hw.host.energy{node-a/|package_total+dram_total}"] == 8 })
	if n := r.counter(t, "receiver_alumetbridge_points", inputIs("relay"), outcomeIs("accepted")); n != 4 {
		t.Fatalf("accepted points %d", n)
	}
}

func TestRelayVersionMismatch(t *testing.T) {
	r := startReceiver(t, nil)
	c := dial(t, r, "node-old")
	if resp := c.greet(1); resp.Accept || resp.ProtocolVersion != 2 {
		t.Fatalf("a version-1 Greet was answered %+v", resp)
	}
	// The server closes the connection after refusing.
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Fatalf("connection still open after refusal: %v", err)
	}
	waitFor(t, "refusal counted", func() bool {
		return r.counter(t, "receiver_alumetbridge_connections_refused") == 1
	})
}

func TestRelayFirstFrameMustBeGreet(t *testing.T) {
	r := startReceiver(t, nil)
	c := dial(t, r, "node-a")
	c.register()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Fatalf("connection open after a non-Greet first frame: %v", err)
	}
}

// TestRelayLenient sends, on one connection, everything Alumet's own server
// would kill the connection for, and checks each is dropped and counted
// while the connection goes on and good points around them are kept.
func TestRelayLenient(t *testing.T) {
	r := startReceiver(t, func(c *Config) { c.Relay.Get().MaxFrameBytes = 4096 })
	c := dial(t, r, "node-a")
	c.greet(2)
	c.register()
	good := func(secs uint64) { c.send(raplTotal("platform_total", secs, 1)) }

	good(1)
	// Unknown metric id and a custom unit: those points are dropped, the
	// frame's other points kept.
	unknown := raplTotal("platform_total", 2, 100)
	unknown.MetricID = 99
	custom := raplTotal("x", 2, 100)
	custom.MetricID = 5
	c.send(unknown, custom, raplTotal("platform_total", 2, 1))
	// Oversize frame: skipped by its length prefix.
	c.send(alumetrelay.Point{MetricID: 1, ResourceKind: strings.Repeat("x", 5000)})
	good(3)
	// Garbage between frames.
	c.write([]byte{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 9, 1, 2, 3})
	good(4)
	// Malformed body with a valid sender: dropped whole.
	frame := alumetrelay.AppendSendMeasurements(nil, "node-a", []alumetrelay.Point{raplTotal("platform_total", 5, 50), raplTotal("platform_total", 5, 50)})
	// Declare 3 points where 2 follow: the frame is truncated inside.
	if frame[4+7+1] != 2 {
		t.Fatal("frame layout changed")
	}
	frame[4+7+1] = 3
	c.write(frame)
	good(6)
	// Absurd values: negative, NaN, more than max_energy_delta.
	c.send(raplTotal("platform_total", 7, -1), raplTotal("platform_total", 7, math.NaN()), raplTotal("platform_total", 7, 1e12))
	good(8)

	waitFor(t, "6 J through the noise", func() bool { return r.latest(t)["hw.host.energy{node-a/|platform_total}"] == 6 })
	for _, tc := range []struct {
		outcome string
		want    int64
	}{{"accepted", 6}, {"unknown_metric", 1}, {"unsupported_unit", 1}, {"invalid_value", 3}, {"malformed_frame", 3}} {
		if got := r.counter(t, "receiver_alumetbridge_points", inputIs("relay"), outcomeIs(tc.outcome)); got != tc.want {
			t.Errorf("points %s = %d, want %d", tc.outcome, got, tc.want)
		}
	}
	if got := r.counter(t, "receiver_alumetbridge_frames", outcomeIs("oversize")); got != 1 {
		t.Errorf("oversize frames %d", got)
	}
	if got := r.counter(t, "receiver_alumetbridge_decode_errors"); got < 2 {
		t.Errorf("decode errors %d (resync and malformed frame)", got)
	}
}

func TestRelayTruncatedFrameAtClose(t *testing.T) {
	r := startReceiver(t, nil)
	c := dial(t, r, "node-a")
	c.greet(2)
	c.register()
	c.send(raplTotal("platform_total", 1, 2))
	frame := alumetrelay.AppendSendMeasurements(nil, "node-a", []alumetrelay.Point{raplTotal("platform_total", 2, 40)})
	c.write(frame[:len(frame)-5])
	c.conn.Close()
	waitFor(t, "truncated frame counted", func() bool {
		return r.counter(t, "receiver_alumetbridge_decode_errors") == 1 && r.relay.open.Load() == 0
	})
	waitFor(t, "the complete frame kept", func() bool { return r.latest(t)["hw.host.energy{node-a/|platform_total}"] == 2 })
}

// TestRelayReconnectResetsCounters: a new Greet from the same client name
// (an agent restart) restarts that node's counters with a new start time.
func TestRelayReconnectResetsCounters(t *testing.T) {
	r := startReceiver(t, nil)
	c := dial(t, r, "node-a")
	c.greet(2)
	c.register()
	c.send(raplTotal("platform_total", 100, 5), podEnergy(100, 1, ""))
	waitFor(t, "first session", func() bool { return r.latest(t)["hw.host.energy{node-a/|platform_total}"] == 5 })
	c.conn.Close()

	c2 := dial(t, r, "node-a")
	c2.greet(2)
	c2.register()
	c2.send(raplTotal("platform_total", 200, 3), podEnergy(200, 2, ""))
	waitFor(t, "second session", func() bool {
		l := r.latest(t)
		return l["hw.host.energy{node-a/|platform_total}"] == 3 && l["eco.pod.energy{node-a/"+testPodUID+"/|pod}"] == 2
	})
	var starts []uint64
	for _, md := range r.sink.AllMetrics() {
		forEachPoint(md, func(key string, dp pmetric.NumberDataPoint) {
			if strings.HasPrefix(key, "hw.host.energy") {
				starts = append(starts, uint64(dp.StartTimestamp()))
			}
		})
	}
	if starts[0] != 100e9 || starts[len(starts)-1] != 200e9 {
		t.Fatalf("start times %v: want 100 s then 200 s", starts)
	}
	if got := r.counter(t, "receiver_alumetbridge_series_resets"); got != 2 {
		t.Fatalf("resets %d, want 2 (host and pod)", got)
	}
}

// TestRelayThousandClients connects 1,000 clients at once, each sending
// node and pod energy, and checks every node's and pod's total exactly.
func TestRelayThousandClients(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections")
	}
	r := startReceiver(t, func(c *Config) { c.FlushInterval = 200 * time.Millisecond })
	const clients, frames = 1000, 5
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("node-%04d", i)
			c := dial(t, r, name)
			if resp := c.greet(2); !resp.Accept {
				errs <- fmt.Errorf("%s refused", name)
				return
			}
			c.register()
			for f := 0; f < frames; f++ {
				p := podEnergy(uint64(1000+f), 0.25, "")
				p.Attributes = append([]alumetrelay.Attribute{}, p.Attributes...)
				p.Attributes[2].Value = alumetrelay.StrValue(fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
				p.Attributes[5].Value = alumetrelay.StrValue(name)
				c.send(raplTotal("package_total", uint64(1000+f), 1.5), raplTotal("dram_total", uint64(1000+f), 0.5), p)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitFor(t, "all 1,000 nodes and pods complete", func() bool {
		l := r.latest(t)
		for i := 0; i < clients; i++ {
			node := fmt.Sprintf("node-%04d", i)
			if l["hw.host.energy{"+node+"/|package_total+dram_total}"] != frames*2.0 ||
				l[fmt.Sprintf("eco.pod.energy{%s/00000000-0000-4000-8000-%012d/|pod}", node, i)] != frames*0.25 {
				return false
			}
		}
		return true
	})
}

// TestRelayEmptyClientName: a client without a name still works; its node
// comes from node_name.
func TestRelayEmptyClientName(t *testing.T) {
	r := startReceiver(t, func(c *Config) { c.NodeName = "fallback-node" })
	c := dial(t, r, "")
	if !c.greet(2).Accept {
		t.Fatal("refused")
	}
	c.register()
	c.send(raplTotal("platform_total", 1, 4))
	waitFor(t, "energy on node_name", func() bool { return r.latest(t)["hw.host.energy{fallback-node/|platform_total}"] == 4 })
}
