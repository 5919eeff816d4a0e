package alumetrelay

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzDecodeBody decodes arbitrary frame bodies as every message kind: it
// must never panic, and whatever decodes must re-encode to the same bytes.
func FuzzDecodeBody(f *testing.F) {
	for _, h := range []string{greetHex, greetResponseHex, registerHex, measurementsHex} {
		f.Add(mustHexF(h)[4:])
	}
	f.Add([]byte{1, 'n', 3, 1, 0, 0, 0, 4, 2, 1, 2, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseBody(body)
		if err != nil {
			return
		}
		var re []byte
		switch b.Kind {
		case KindGreet:
			g, err := DecodeGreet(b.Payload)
			if err != nil {
				return
			}
			re = AppendGreet(nil, string(b.Sender), g)
		case KindGreetResponse:
			r, err := DecodeGreetResponse(b.Payload)
			if err != nil {
				return
			}
			re = AppendGreetResponse(nil, string(b.Sender), r)
		case KindRegisterMetrics:
			ms, err := DecodeRegisterMetrics(b.Payload, nil)
			if err != nil {
				return
			}
			re = AppendRegisterMetrics(nil, string(b.Sender), ms)
		case KindSendMeasurements:
			ps, err := DecodeSendMeasurements(b.Payload)
			if err != nil {
				return
			}
			re = AppendSendMeasurements(nil, string(b.Sender), ps)
		}
		// Postcard varints have one canonical form, but a decoder may accept
		// over-long ones; compare decoded values of the re-encoding instead
		// of bytes when they differ.
		if !bytes.Equal(re[4:], body) {
			b2, err := ParseBody(re[4:])
			if err != nil || b2.Kind != b.Kind || !bytes.Equal(b2.Sender, b.Sender) {
				t.Fatalf("re-encoding does not decode alike: %v", err)
			}
		}
	})
}

// FuzzFrameReader feeds arbitrary streams to the frame reader after a valid
// Greet: it must never panic, never return a body larger than the limit, and
// end with an error (EOF at the latest).
func FuzzFrameReader(f *testing.F) {
	m := mustHexF(measurementsHex)
	f.Add(m)
	f.Add(append(append([]byte{0, 0, 0, 3, 1}, m...), m[:9]...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, stream []byte) {
		const limit = 512
		fr := NewFrameReader(bufio.NewReaderSize(bytes.NewReader(stream), 4096), limit)
		fr.SetSender("node-a")
		for i := 0; ; i++ {
			body, _, err := fr.Next()
			if err != nil {
				if errors.Is(err, ErrFrameTooLarge) {
					continue
				}
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrOutOfSync) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(body) > limit {
				t.Fatalf("body of %d bytes over the %d limit", len(body), limit)
			}
			if i > len(stream) {
				t.Fatal("more frames than bytes")
			}
		}
	})
}

func mustHexF(s string) []byte {
	var out []byte
	for _, f := range bytes.Fields([]byte(s)) {
		var v byte
		for _, c := range f {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= c - '0'
			default:
				v |= c - 'a' + 10
			}
		}
		out = append(out, v)
	}
	return out
}
