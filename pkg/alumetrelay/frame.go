package alumetrelay

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// keepBufferSize is the largest body buffer a FrameReader keeps between
// frames. Larger bodies borrow from a shared pool, so thousands of idle
// connections do not each pin a multi-megabyte buffer.
const keepBufferSize = 64 << 10

var largeBuffers sync.Pool

// FrameReader reads frames from a relay connection. Before the Greet it reads
// frames as they come; once the client name is known (SetSender) it checks
// that every frame starts with that sender, which lets it find the next frame
// boundary again after garbage, instead of misreading the rest of the stream.
type FrameReader struct {
	r      *bufio.Reader
	max    int
	prefix []byte // encoded sender: varint length + name
	small  []byte
	large  *[]byte
}

// NewFrameReader reads frames of at most maxBody bytes from r.
func NewFrameReader(r *bufio.Reader, maxBody int) *FrameReader {
	return &FrameReader{r: r, max: maxBody}
}

// SetSender sets the client name every later frame must carry.
func (f *FrameReader) SetSender(name string) {
	f.prefix = AppendString(f.prefix[:0], name)
}

// Next returns the next frame body, valid until the next call.
//
// skipped counts garbage bytes discarded before the frame while looking for
// a frame boundary (only once a sender is set). A frame larger than the limit
// is discarded whole and reported as ErrFrameTooLarge; the stream stays
// aligned and the caller may go on. ErrOutOfSync (more garbage than the frame
// size limit) and I/O errors end the connection; a stream that ends inside a
// frame gives io.ErrUnexpectedEOF.
func (f *FrameReader) Next() (body []byte, skipped int, err error) {
	f.releaseLarge()
	for {
		n, aligned, err := f.header()
		if err != nil {
			if errors.Is(err, io.EOF) && skipped > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, skipped, err
		}
		if !aligned {
			if _, err := f.r.Discard(1); err != nil {
				return nil, skipped, err
			}
			skipped++
			if skipped > f.max {
				return nil, skipped, ErrOutOfSync
			}
			continue
		}
		if _, err := f.r.Discard(FrameHeaderSize); err != nil {
			return nil, skipped, err
		}
		if n > f.max {
			if _, err := f.r.Discard(n); err != nil {
				return nil, skipped, unexpected(err)
			}
			return nil, skipped, ErrFrameTooLarge
		}
		body = f.buffer(n)
		if _, err := io.ReadFull(f.r, body); err != nil {
			return nil, skipped, unexpected(err)
		}
		return body, skipped, nil
	}
}

// header peeks at the next frame header. aligned reports whether it starts a
// frame: always true before a sender is known, otherwise only when the body
// begins with the sender and a known message kind.
func (f *FrameReader) header() (n int, aligned bool, err error) {
	want := FrameHeaderSize
	if f.prefix != nil {
		want += len(f.prefix) + 1
	}
	hdr, err := f.r.Peek(want)
	if err != nil {
		if errors.Is(err, io.EOF) && len(hdr) > 0 {
			// A partial header at the end: truncated frame, or trailing garbage.
			return 0, false, io.ErrUnexpectedEOF
		}
		return 0, false, err
	}
	n = int(binary.BigEndian.Uint32(hdr))
	if f.prefix == nil {
		return n, true, nil
	}
	if n < len(f.prefix)+1 || !bytes.Equal(hdr[FrameHeaderSize:want-1], f.prefix) || hdr[want-1] > byte(KindSendMeasurements) {
		return n, false, nil
	}
	return n, true, nil
}

func (f *FrameReader) buffer(n int) []byte {
	if n <= keepBufferSize {
		if cap(f.small) < n {
			f.small = make([]byte, n, max(n, 4096))
		}
		return f.small[:n]
	}
	if p, ok := largeBuffers.Get().(*[]byte); ok && cap(*p) >= n {
		f.large = p
	} else {
		b := make([]byte, n)
		f.large = &b
	}
	return (*f.large)[:n]
}

func (f *FrameReader) releaseLarge() {
	if f.large != nil {
		largeBuffers.Put(f.large)
		f.large = nil
	}
}

// Close returns borrowed buffers; the reader must not be used afterwards.
func (f *FrameReader) Close() { f.releaseLarge() }

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
