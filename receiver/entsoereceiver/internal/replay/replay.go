// Package replay serves recorded ENTSO-E responses from a directory in place
// of the platform. Each file's document type and area are read from its
// content (not its name), and a query returns what the platform would have
// answered: the series of that type and area, clipped to the queried window,
// or an acknowledgement 999 when there are none. The receiver runs the same
// code on top of it as in live mode, so replay emits exactly what live mode
// would have emitted at the chosen instant.
package replay

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
)

// MaxFileBytes bounds one recorded file.
const MaxFileBytes = 64 << 20

// File is one recorded document.
type File struct {
	Name string
	Doc  *xmldoc.Document
}

// Problem is a file that could not be used, and why.
type Problem struct {
	Name string
	Err  error
}

// Source holds the parsed documents of a replay directory.
type Source struct {
	files []File
}

// Load parses every .xml and .zip file of dir, in name order (later files
// win over earlier ones where they overlap, like a revision). Files that are
// acknowledgements or not ENTSO-E documents are returned as problems; only an
// unreadable directory is an error.
func Load(dir string) (*Source, []Problem, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("replay directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && (ext == ".xml" || ext == ".zip") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	s := &Source{}
	var problems []Problem
	for _, name := range names {
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		if err != nil {
			problems = append(problems, Problem{name, err})
			continue
		}
		if info.Size() > MaxFileBytes {
			problems = append(problems, Problem{name, fmt.Errorf("%d bytes exceeds the %d-byte limit", info.Size(), MaxFileBytes)})
			continue
		}
		body, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, Problem{name, err})
			continue
		}
		doc, err := xmldoc.Parse(body)
		if err != nil {
			problems = append(problems, Problem{name, err})
			continue
		}
		s.files = append(s.files, File{name, doc})
	}
	return s, problems, nil
}

// Files returns the usable documents, in name order.
func (s *Source) Files() []File { return s.files }

// Query is what the platform is asked for.
type Query struct {
	// DocumentType (A75, A44, A65, A69) and ProcessType (A16, A01; empty for A44).
	DocumentType, ProcessType string
	// Domain is the EIC of the area.
	Domain     string
	Start, End time.Time
}

// ErrNoMatchingData is the acknowledgement the platform sends for a query
// without data.
var ErrNoMatchingData = &xmldoc.AckError{Code: "999", Text: "No matching data found (replay: no recorded series for this document type and area in the window)"}

// Fetch answers a query from the recorded files.
func (s *Source) Fetch(q Query) (*xmldoc.Document, error) {
	var out *xmldoc.Document
	for _, f := range s.files {
		d := f.Doc
		if d.Type != q.DocumentType || (q.ProcessType != "" && d.ProcessType != "" && d.ProcessType != q.ProcessType) {
			continue
		}
		contributed := false
		for _, series := range d.Series {
			if series.Domain != q.Domain {
				continue
			}
			clipped := clip(series, q.Start, q.End)
			if len(clipped.Periods) == 0 {
				continue
			}
			if out == nil {
				out = &xmldoc.Document{Root: d.Root, Type: d.Type, ProcessType: d.ProcessType, MRID: d.MRID,
					Revision: d.Revision, Created: d.Created, Start: q.Start, End: q.End}
			}
			out.Series = append(out.Series, clipped)
			contributed = true
		}
		if contributed {
			// What the parser dropped from the file would have been dropped
			// from the platform's answer too.
			out.Dropped.Add(d.Dropped)
		}
	}
	if out == nil {
		return nil, ErrNoMatchingData
	}
	return out, nil
}

// clip keeps the positions of a series that overlap [start, end): the
// platform answers a window with the periods' whole positions that touch it.
func clip(s xmldoc.Series, start, end time.Time) xmldoc.Series {
	out := s
	out.Periods = nil
	for _, p := range s.Periods {
		first, last := 0, len(p.Values)
		for first < last && !p.Start.Add(time.Duration(first+1)*p.Resolution).After(start) {
			first++
		}
		for last > first && !p.Start.Add(time.Duration(last-1)*p.Resolution).Before(end) {
			last--
		}
		if first >= last {
			continue
		}
		out.Periods = append(out.Periods, xmldoc.Period{
			Start:      p.Start.Add(time.Duration(first) * p.Resolution),
			Resolution: p.Resolution,
			Values:     p.Values[first:last],
		})
	}
	return out
}

// DataEnd returns the end of the latest actual value in the files: the end of
// the latest interval with a value in an actual generation (A75) or load
// (A65) document, or, without those, in any document. It is replay's default
// "now": the moment the recording was current.
func (s *Source) DataEnd() (time.Time, error) {
	var actual, any time.Time
	for _, f := range s.files {
		for _, series := range f.Doc.Series {
			for _, p := range series.Periods {
				for i := len(p.Values) - 1; i >= 0; i-- {
					if math.IsNaN(p.Values[i]) {
						continue
					}
					end := p.Start.Add(time.Duration(i+1) * p.Resolution)
					if end.After(any) {
						any = end
					}
					if (f.Doc.Type == "A75" || f.Doc.Type == "A65") && end.After(actual) {
						actual = end
					}
					break
				}
			}
		}
	}
	switch {
	case !actual.IsZero():
		return actual, nil
	case !any.IsZero():
		return any, nil
	}
	return time.Time{}, errors.New("no recorded values in the replay directory")
}
