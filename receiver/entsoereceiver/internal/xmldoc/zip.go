package xmldoc

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Limits for ZIP bodies (the platform zips some data items, and a temporary
// endpoint in 2025 zipped others): enough for any real response, small enough
// that a zip bomb cannot take the collector down.
const (
	MaxZIPMembers      = 1000
	MaxUncompressedLen = 64 << 20
)

// IsZIP sniffs the local-file-header magic bytes PK\x03\x04 (and the empty
// archive's PK\x05\x06), whatever Content-Type the server claims.
func IsZIP(body []byte) bool {
	return bytes.HasPrefix(body, []byte("PK\x03\x04")) || bytes.HasPrefix(body, []byte("PK\x05\x06"))
}

// parseZIP parses every XML member and merges them into one document: the
// header of the first data document, the series of all. Acknowledgements in
// the archive are ignored when other members hold data; an archive of only
// acknowledgements returns the first.
func parseZIP(body []byte) (*Document, error) {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, fmt.Errorf("%w: ZIP body: %v", ErrNotENTSOE, err)
	}
	if len(zr.File) > MaxZIPMembers {
		return nil, fmt.Errorf("%w: ZIP body has %d members (limit %d)", ErrNotENTSOE, len(zr.File), MaxZIPMembers)
	}
	var merged *Document
	var firstAck error
	budget := int64(MaxUncompressedLen)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		data, err := readMember(f, budget)
		if err != nil {
			return nil, err
		}
		budget -= int64(len(data))
		doc, err := parseXML(data)
		var ack *AckError
		switch {
		case errors.As(err, &ack):
			if firstAck == nil {
				firstAck = ack
			}
			continue
		case err != nil:
			return nil, fmt.Errorf("ZIP member %s: %w", f.Name, err)
		}
		if merged == nil {
			merged = doc
			continue
		}
		merged.Series = append(merged.Series, doc.Series...)
		merged.Dropped.Add(doc.Dropped)
		if doc.Start.Before(merged.Start) {
			merged.Start = doc.Start
		}
		if doc.End.After(merged.End) {
			merged.End = doc.End
		}
	}
	if merged != nil {
		return merged, nil
	}
	if firstAck != nil {
		return nil, firstAck
	}
	return nil, fmt.Errorf("%w: ZIP body holds no XML document", ErrNotENTSOE)
}

func readMember(f *zip.File, budget int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: ZIP member %s: %v", ErrNotENTSOE, f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, budget+1))
	if err != nil {
		return nil, fmt.Errorf("%w: ZIP member %s: %v", ErrNotENTSOE, f.Name, err)
	}
	if int64(len(data)) > budget {
		return nil, fmt.Errorf("%w: ZIP body expands beyond %d bytes", ErrNotENTSOE, MaxUncompressedLen)
	}
	return data, nil
}
