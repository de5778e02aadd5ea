package export_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/motcua/motcua/export"
)

// bigDoc returns the test document with n rows in its units table, as a
// long list of dossiers would have.
func bigDoc(n int) *export.Doc {
	d := testDoc()
	units := d.Tables[0]
	rows := make([][]export.Cell, n)
	for i := range rows {
		rows[i] = cells(i+1, fmt.Sprintf("Ủy ban nhân dân xã Trường Long Hòa %d", i), 2329, 1144, 49.1, 2295, 1049, 1210, 36, 17.5)
	}
	units.Rows = rows
	return d
}

func BenchmarkWriteXLSX10k(b *testing.B) {
	d := bigDoc(10000)
	b.ReportAllocs()
	for b.Loop() {
		if err := export.WriteXLSX(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteCSV10k(b *testing.B) {
	d := bigDoc(10000)
	b.ReportAllocs()
	for b.Loop() {
		if err := export.WriteCSV(io.Discard, d.Tables[0]); err != nil {
			b.Fatal(err)
		}
	}
}
