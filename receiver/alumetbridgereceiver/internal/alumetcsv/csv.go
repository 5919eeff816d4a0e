// Package alumetcsv reads the files written by Alumet's csv output plugin:
// a header `metric;timestamp;value;resource_kind;resource_id;consumer_kind;
// consumer_id;<attribute keys>…;__late_attributes`, where the attribute
// columns are those of the first buffer written and any other attribute is
// in __late_attributes as `k=v` pairs joined by `,`. The delimiter is `;` by
// default (`,` is common too); fields are quoted per RFC 4180 when needed.
package alumetcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The fixed leading columns and the trailing late-attributes column.
var fixedColumns = []string{"metric", "timestamp", "value", "resource_kind", "resource_id", "consumer_kind", "consumer_id"}

const lateColumn = "__late_attributes"

// Record is one measurement line.
type Record struct {
	// Metric is the metric column as written: by default name_UNIT
	// (e.g. rapl_consumed_energy_J).
	Metric                   string
	Time                     time.Time
	Value                    float64
	ResourceKind, ResourceID string
	ConsumerKind, ConsumerID string
	Attributes               []Attribute
}

// Attribute is a key and its value as text.
type Attribute struct{ Key, Value string }

// Reader reads records.
type Reader struct {
	r        *csv.Reader
	attrCols []string
	lateCol  int
	line     int
}

// ErrHeader is returned when the first line is not an Alumet CSV header.
var ErrHeader = errors.New("not an Alumet CSV header (want metric;timestamp;value;resource_kind;resource_id;consumer_kind;consumer_id;…)")

// NewReader reads the header. delimiter is ';' or ','; 0 detects it.
func NewReader(in io.Reader, delimiter rune) (*Reader, error) {
	br := newPeekReader(in)
	if delimiter == 0 {
		head, _ := br.peekLine()
		switch {
		case bytes.HasPrefix(head, []byte("metric;")):
			delimiter = ';'
		case bytes.HasPrefix(head, []byte("metric,")):
			delimiter = ','
		default:
			return nil, ErrHeader
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = delimiter
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if len(header) < len(fixedColumns) {
		return nil, ErrHeader
	}
	for i, c := range fixedColumns {
		if header[i] != c {
			return nil, ErrHeader
		}
	}
	rd := &Reader{r: cr, lateCol: -1, line: 1}
	for i, c := range header[len(fixedColumns):] {
		if c == lateColumn {
			rd.lateCol = len(fixedColumns) + i
			continue
		}
		rd.attrCols = append(rd.attrCols, c)
	}
	return rd, nil
}

// LineError is a line that could not be read; Next can be called again.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Next returns the next record, a *LineError for a bad line (reading may go
// on), or io.EOF.
func (rd *Reader) Next() (Record, error) {
	fields, err := rd.r.Read()
	rd.line++
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{}, &LineError{Line: rd.line, Err: pe.Err}
		}
		return Record{}, err
	}
	if len(fields) < len(fixedColumns) {
		return Record{}, &LineError{Line: rd.line, Err: fmt.Errorf("%d fields, want at least %d", len(fields), len(fixedColumns))}
	}
	ts, err := time.Parse(time.RFC3339Nano, fields[1])
	if err != nil {
		return Record{}, &LineError{Line: rd.line, Err: fmt.Errorf("timestamp %q is not RFC 3339", fields[1])}
	}
	v, err := strconv.ParseFloat(fields[2], 64)
	if err != nil {
		return Record{}, &LineError{Line: rd.line, Err: fmt.Errorf("value %q is not a number", fields[2])}
	}
	rec := Record{
		Metric: fields[0], Time: ts, Value: v,
		ResourceKind: fields[3], ResourceID: fields[4], ConsumerKind: fields[5], ConsumerID: fields[6],
	}
	for i, key := range rd.attrCols {
		col := len(fixedColumns) + i
		if rd.lateCol >= 0 && col >= rd.lateCol {
			col++
		}
		if col < len(fields) && fields[col] != "" {
			rec.Attributes = append(rec.Attributes, Attribute{Key: key, Value: fields[col]})
		}
	}
	if rd.lateCol >= 0 && rd.lateCol < len(fields) && fields[rd.lateCol] != "" {
		for _, kv := range strings.Split(fields[rd.lateCol], ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return Record{}, &LineError{Line: rd.line, Err: fmt.Errorf("late attribute %q is not key=value", kv)}
			}
			rec.Attributes = append(rec.Attributes, Attribute{Key: k, Value: v})
		}
	}
	return rec, nil
}

// peekReader lets NewReader look at the header line before csv reads it.
type peekReader struct {
	in  io.Reader
	buf []byte
}

func newPeekReader(in io.Reader) *peekReader { return &peekReader{in: in} }

func (p *peekReader) peekLine() ([]byte, error) {
	tmp := make([]byte, 512)
	for !bytes.ContainsRune(p.buf, '\n') && len(p.buf) < 1<<16 {
		n, err := p.in.Read(tmp)
		p.buf = append(p.buf, tmp[:n]...)
		if err != nil {
			break
		}
	}
	line, _, _ := bytes.Cut(p.buf, []byte("\n"))
	return line, nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.in.Read(b)
}
