package ndjson

import (
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// BenchmarkParse: one line of a received event with every field, as the
// one-stop software sends it; the allocations are what the garbage collector
// of a busy ingest pays for.
func BenchmarkParse(b *testing.B) {
	fee := int64(30000)
	yes := true
	at := time.Date(2022, 3, 1, 8, 0, 5, 0, motcua.Location)
	e := motcua.Event{EventID: "000.00.12.H59-220301-0001/r", DossierID: "000.00.12.H59-220301-0001", Type: motcua.Received,
		At: at, Unit: "P1", Procedure: "1.001", Official: "CB.P1.01", Channel: motcua.Online,
		DueAt: at.Add(72 * time.Hour), FeeVND: &fee, PaidOnline: &yes, Digitized: &yes}
	line := Append(nil, &e)
	line = line[:len(line)-1]
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := Parse(line); errs != nil {
			b.Fatal(errs)
		}
	}
}
