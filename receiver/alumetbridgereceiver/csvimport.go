package alumetbridgereceiver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/alumetcsv"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/mapping"
	"github.com/ecotel/ecotel/receiver/alumetbridgereceiver/internal/units"
	"github.com/ecotel/ecotel/semconv"
)

// csvReportEvery bounds how many lines are counted locally before the
// counts go to telemetry.
const csvReportEvery = 10000

// importCSV reads one Alumet CSV file once, from the start, with the points'
// own timestamps (offline backfill).
func (r *alumetReceiver) importCSV(ctx context.Context, f CSVFile) {
	log := r.set.Logger.With(zap.String("file", f.Path))
	file, err := os.Open(f.Path)
	if err != nil {
		log.Error("Cannot open Alumet CSV file; nothing imported from it", zap.Error(err))
		r.decodeError(ctx, inputCSV, "open")
		return
	}
	defer file.Close()
	n, err := r.ingestCSV(ctx, file, f)
	if err != nil {
		log.Error("Alumet CSV import stopped", zap.Int("lines", n), zap.Error(err))
		return
	}
	log.Info("Alumet CSV file imported", zap.Int("lines", n))
}

// ingestCSV imports records from in and returns the number of lines read.
func (r *alumetReceiver) ingestCSV(ctx context.Context, in io.Reader, f CSVFile) (int, error) {
	var delim rune
	if f.Delimiter != "" {
		delim = rune(f.Delimiter[0])
	}
	rd, err := alumetcsv.NewReader(bufio.NewReaderSize(in, 64<<10), delim)
	if err != nil {
		r.decodeError(ctx, inputCSV, "header")
		return 0, err
	}
	node := f.NodeName
	if node == "" {
		node = r.cfg.NodeName
	}
	var c pointCounts
	defer r.report(ctx, inputCSV, &c)
	var key []byte
	lines := 0
	for ; ; lines++ {
		if lines%csvReportEvery == 0 {
			r.report(ctx, inputCSV, &c)
			if ctx.Err() != nil {
				return lines, ctx.Err()
			}
		}
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		var le *alumetcsv.LineError
		if errors.As(err, &le) {
			r.decodeError(ctx, inputCSV, "invalid_line")
			r.warn.Warn("csv_line", "Invalid Alumet CSV line skipped", zap.String("file", f.Path), zap.Error(err))
			continue
		}
		if err != nil {
			return lines, err
		}
		key = csvKey(key[:0], node, &rec)
		e := r.shared.get(key, func() *routeEntry { return r.csvRoute(node, &rec) })
		r.apply(e, rec.Value, rec.Time.UnixNano(), time.Now().UnixNano(), &c)
	}
}

func csvKey(b []byte, node string, rec *alumetcsv.Record) []byte {
	b = append(b, "csv\x00"...)
	for _, s := range []string{node, rec.Metric, rec.ResourceKind, rec.ResourceID, rec.ConsumerKind, rec.ConsumerID} {
		b = append(b, s...)
		b = append(b, 0)
	}
	for _, a := range rec.Attributes {
		b = append(b, a.Key...)
		b = append(b, '=')
		b = append(b, a.Value...)
		b = append(b, 0)
	}
	return b
}

func (r *alumetReceiver) csvRoute(node string, rec *alumetcsv.Record) *routeEntry {
	// The metric column is name_UNIT by default (append_unit_to_metric_name).
	name, unit, has := units.SplitName(rec.Metric, "", "")
	p := mapping.Point{
		Source: semconv.AttrEnergySourceAlumetCsv, Metric: name, Unit: unit, HasUnit: has,
		ResourceKind: rec.ResourceKind, ResourceID: rec.ResourceID,
		ConsumerKind: rec.ConsumerKind, ConsumerID: rec.ConsumerID, ClientNode: node,
	}
	for _, a := range rec.Attributes {
		p.Attributes = append(p.Attributes, mapping.Attribute{Key: a.Key, Value: a.Value})
	}
	return r.newRouteEntry(&p, false)
}
