package replay

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecotel/ecotel/receiver/entsoereceiver/internal/xmldoc"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04Z", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLoadSortsOutProblems(t *testing.T) {
	src, problems, err := Load("../../testdata/replay/pitfalls")
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Files()) != 6 {
		t.Errorf("%d usable files, want 6", len(src.Files()))
	}
	names := map[string]error{}
	for _, p := range problems {
		names[p.Name] = p.Err
	}
	var ack *xmldoc.AckError
	if !errors.As(names["PL_A75_acknowledgement.xml"], &ack) || !ack.NoData() {
		t.Errorf("acknowledgement: %v", names["PL_A75_acknowledgement.xml"])
	}
	if !errors.Is(names["broken_maintenance.xml"], xmldoc.ErrNotENTSOE) {
		t.Errorf("maintenance page: %v", names["broken_maintenance.xml"])
	}
	if _, _, err := Load("does-not-exist"); err == nil {
		t.Error("missing directory accepted")
	}
}

func TestFetchMatchesContentNotNames(t *testing.T) {
	dir := t.TempDir()
	body, err := os.ReadFile("../../testdata/replay/pitfalls/AT_A75_generation.zip")
	if err != nil {
		t.Fatal(err)
	}
	// A misleading name: the zone and document type come from the content.
	if err := os.WriteFile(filepath.Join(dir, "FR_prices.zip"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	src, problems, err := Load(dir)
	if err != nil || len(problems) != 0 || len(src.Files()) != 1 {
		t.Fatalf("%v %v", err, problems)
	}
	q := Query{DocumentType: "A75", ProcessType: "A16", Domain: "10YAT-APG------L", Start: utc("2025-10-24T12:00Z"), End: utc("2025-10-26T12:00Z")}
	doc, err := src.Fetch(q)
	if err != nil || len(doc.Series) != 5 {
		t.Fatalf("%v", err)
	}
	for _, miss := range []Query{
		{DocumentType: "A44", Domain: "10YAT-APG------L", Start: q.Start, End: q.End},
		{DocumentType: "A75", ProcessType: "A16", Domain: "10YFR-RTE------C", Start: q.Start, End: q.End},
		{DocumentType: "A75", ProcessType: "A01", Domain: "10YAT-APG------L", Start: q.Start, End: q.End},
		{DocumentType: "A75", ProcessType: "A16", Domain: "10YAT-APG------L", Start: utc("2025-10-27T00:00Z"), End: utc("2025-10-28T00:00Z")},
	} {
		_, err := src.Fetch(miss)
		var ack *xmldoc.AckError
		if !errors.As(err, &ack) || !ack.NoData() {
			t.Errorf("%+v: %v, want acknowledgement 999", miss, err)
		}
	}
}

func TestFetchClipsToTheWindow(t *testing.T) {
	src, _, err := Load("../../testdata/replay/pitfalls")
	if err != nil {
		t.Fatal(err)
	}
	// Window 10:40–11:20 on a 15-minute grid: positions 10:30 … 11:15 touch it.
	doc, err := src.Fetch(Query{DocumentType: "A75", ProcessType: "A16", Domain: "10YNL----------L", Start: utc("2025-10-26T10:40Z"), End: utc("2025-10-26T11:20Z")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Series {
		for _, p := range s.Periods {
			if !p.End().After(utc("2025-10-26T10:40Z")) || !p.Start.Before(utc("2025-10-26T11:20Z")) {
				t.Errorf("series %s period %s–%s outside the window", s.MRID, p.Start, p.End())
			}
		}
		if s.MRID == "1" && (len(s.Periods) != 1 || !s.Periods[0].Start.Equal(utc("2025-10-26T10:30Z")) || len(s.Periods[0].Values) != 4) {
			t.Errorf("gas clipped to %+v", s.Periods)
		}
		if s.MRID == "6" {
			t.Error("the future placeholder series lies outside the window")
		}
	}
}

func TestDataEnd(t *testing.T) {
	src, _, err := Load("../../testdata/replay/basic")
	if err != nil {
		t.Fatal(err)
	}
	// DE-LU's quarter-hours run to 11:45; prices run further but are not actuals.
	if end, err := src.DataEnd(); err != nil || !end.Equal(utc("2025-11-12T11:45Z")) {
		t.Errorf("%s %v", end, err)
	}
	empty, _, _ := Load(t.TempDir())
	if _, err := empty.DataEnd(); err == nil {
		t.Error("empty directory has a data end")
	}
}
