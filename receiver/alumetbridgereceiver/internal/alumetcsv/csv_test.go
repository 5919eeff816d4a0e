package alumetcsv

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Our own fixtures, in the shapes Alumet's csv output writes (plugin tests,
// README and real captures described in the shared reference).
const semicolonFile = `metric;timestamp;value;resource_kind;resource_id;consumer_kind;consumer_id;__late_attributes
rapl_consumed_energy_J;2025-12-16T15:15:33.140998524Z;1.66290283203125;cpu_package;0;local_machine;;domain=package
rapl_consumed_energy_J;2025-12-16T15:15:33.140998524Z;3.496826171875;local_machine;;local_machine;;domain=package_total
rapl_consumed_energy_J;2025-12-16T15:15:33.14Z;9;local_machine;;local_machine;;domain=platform_total
attributed_energy_J;2025-11-04T13:45:58.311002165Z;0.6386890836949523;local_machine;;process;636036;domain=package_total,kind=total
`

const commaFile = `metric,timestamp,value,resource_kind,resource_id,consumer_kind,consumer_id,name,namespace,node,uid,__late_attributes
cpu_time_delta_nanos,2025-01-01T12:00:00.000000000Z,1720000000,local_machine,,cgroup,kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod00b506dc-87ee-462c-880d-3e41d0dacd0c.slice,pod1,default,test-node,00b506dc-87ee-462c-880d-3e41d0dacd0c,"kind=total,x=1"
`

func readAll(t *testing.T, in string) ([]Record, []error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	var errs []error
	for {
		r, err := rd.Next()
		if err == io.EOF {
			return recs, errs
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
}

func TestSemicolonWithLateAttributes(t *testing.T) {
	recs, errs := readAll(t, semicolonFile)
	if len(errs) != 0 || len(recs) != 4 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	want := Record{Metric: "attributed_energy_J", Time: time.Date(2025, 11, 4, 13, 45, 58, 311002165, time.UTC), Value: 0.6386890836949523,
		ResourceKind: "local_machine", ConsumerKind: "process", ConsumerID: "636036",
		Attributes: []Attribute{{"domain", "package_total"}, {"kind", "total"}}}
	if !reflect.DeepEqual(recs[3], want) {
		t.Fatalf("got %+v\nwant %+v", recs[3], want)
	}
	if recs[2].Value != 9 || recs[2].Time.Nanosecond() != 140000000 {
		t.Fatalf("trimmed timestamp / integer value: %+v", recs[2])
	}
}

func TestCommaWithAttributeColumns(t *testing.T) {
	recs, errs := readAll(t, commaFile)
	if len(errs) != 0 || len(recs) != 1 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	got := recs[0].Attributes
	want := []Attribute{{"name", "pod1"}, {"namespace", "default"}, {"node", "test-node"}, {"uid", "00b506dc-87ee-462c-880d-3e41d0dacd0c"}, {"kind", "total"}, {"x", "1"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attributes %v", got)
	}
}

func TestBadLinesAreReportedAndSkipped(t *testing.T) {
	in := semicolonFile + "short;line\n" +
		"x;not-a-time;1;local_machine;;local_machine;;\n" +
		"x;2025-01-01T00:00:00Z;NaNa;local_machine;;local_machine;;\n" +
		"x;2025-01-01T00:00:00Z;1;local_machine;;local_machine;;novalue\n" +
		"rapl_consumed_energy_J;2025-01-01T00:00:00Z;1;local_machine;;local_machine;;domain=dram_total\n"
	recs, errs := readAll(t, in)
	if len(recs) != 5 || len(errs) != 4 {
		t.Fatalf("%d records, %d errors: %v", len(recs), len(errs), errs)
	}
	var le *LineError
	if !errors.As(errs[0], &le) || le.Line != 6 {
		t.Fatalf("first error %v", errs[0])
	}
}

func TestNotAnAlumetFile(t *testing.T) {
	for _, in := range []string{"", "a,b,c\n", "metric;timestamp;value\n"} {
		if _, err := NewReader(strings.NewReader(in), 0); !errors.Is(err, ErrHeader) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// FuzzReader feeds arbitrary files: no panic, and every record has the
// fixed fields parsed.
func FuzzReader(f *testing.F) {
	f.Add(semicolonFile)
	f.Add(commaFile)
	f.Add("metric;timestamp;value;resource_kind;resource_id;consumer_kind;consumer_id;a;__late_attributes\nm;2025-01-01T00:00:00Z;1;;;;;\"x;y\";k=v\n")
	f.Fuzz(func(t *testing.T, in string) {
		rd, err := NewReader(strings.NewReader(in), 0)
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			_, err := rd.Next()
			if err == io.EOF {
				return
			}
			var le *LineError
			if err != nil && !errors.As(err, &le) {
				return
			}
		}
	})
}
