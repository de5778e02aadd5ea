package motcua_test

import (
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/catalog"
)

// TestValidateOfficial: an official outside a catalogue that lists officials
// is refused like an unknown unit; a catalogue without officials takes any.
func TestValidateOfficial(t *testing.T) {
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	e := motcua.Event{EventID: "o1", DossierID: "DO1", Type: motcua.Received, At: time.Date(2022, 3, 1, 8, 0, 0, 0, motcua.Location),
		Unit: "P1", Procedure: "XA.001", Channel: motcua.Direct, Official: "CB.P1.01"}
	if errs := e.Validate(cat); len(errs) != 0 {
		t.Errorf("a catalogued official: %v", errs)
	}
	e.Official = "CB.NOBODY"
	errs := e.Validate(cat)
	if len(errs) != 1 || errs[0].Field != "official" || !strings.Contains(errs[0].Reason, `unknown official "CB.NOBODY": not in the official catalogue`) {
		t.Errorf("an official outside the catalogue: %v", errs)
	}
	bare := &motcua.Catalog{Units: cat.Units, Procedures: cat.Procedures}
	if err := bare.Index(); err != nil {
		t.Fatal(err)
	}
	if errs := e.Validate(bare); len(errs) != 0 {
		t.Errorf("a catalogue without officials refused %v", errs)
	}
}

// TestValidateLifeSpan: a dossier received by a unit after it was merged
// away is refused, naming its successor; its later events are accepted.
func TestValidateLifeSpan(t *testing.T) {
	cat, err := catalog.Load(catalog.DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 7, 2, 9, 0, 0, 0, motcua.Location)
	e := motcua.Event{EventID: "e", DossierID: "d", Type: motcua.Received, At: at, Unit: "P1", Procedure: "XA.001", Channel: motcua.Direct}
	errs := e.Validate(cat)
	if len(errs) != 1 || errs[0].Field != "unit" || !strings.Contains(errs[0].Reason, `successor "PDH"`) {
		t.Errorf("received at P1 after the reform: %v", errs)
	}
	e.At = at.AddDate(0, 0, -2)
	if errs := e.Validate(cat); len(errs) != 0 {
		t.Errorf("received at P1 before the reform: %v", errs)
	}
	e.At, e.Type, e.Channel = at, motcua.Resolved, ""
	if errs := e.Validate(cat); len(errs) != 0 {
		t.Errorf("resolved at P1 after the reform: %v", errs)
	}
}
