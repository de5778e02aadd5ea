// Package ingesttest holds what the tests of several ingest packages share:
// the Duyên Hải catalogue and a collector of parsed rows.
package ingesttest

import (
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
)

// Catalog returns the Duyên Hải catalogue.
func Catalog(t testing.TB) *motcua.Catalog {
	t.Helper()
	c, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Rows collects what a reader emits.
type Rows struct {
	Events []motcua.Event
	Errors []motcua.FieldError
}

// Emit is the emit function of a row reader.
func (r *Rows) Emit(_ int, e motcua.Event, errs []motcua.FieldError) error {
	if errs != nil {
		r.Errors = append(r.Errors, errs...)
		return nil
	}
	r.Events = append(r.Events, e)
	return nil
}

// Has reports whether an error names the line, the field and contains reason.
func (r *Rows) Has(line int, field, reason string) bool {
	for _, e := range r.Errors {
		if e.Line == line && e.Field == field && contains(e.Reason, reason) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
