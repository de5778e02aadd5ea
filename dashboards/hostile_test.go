package dashboards_test

import (
	"encoding/csv"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/browsertest"
	"github.com/motcua/motcua/catalog"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

// hostile is a name that breaks out of HTML, of a script and of an
// attribute if anything writes it unescaped.
const hostile = `</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">"'`

// hostileCatalog is the shipped catalogue with a unit (EVIL, under the
// town), a procedure (EVIL.001) and an official (CB.EVIL) named hostile.
func hostileCatalog(t *testing.T) *motcua.Catalog {
	dir := t.TempDir()
	err := fs.WalkDir(catalog.DuyenHai(), ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || path == "." {
			return err
		}
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dir, path), 0o755)
		}
		b, err := fs.ReadFile(catalog.DuyenHai(), path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	add := func(file string, fields ...string) {
		f, err := os.OpenFile(filepath.Join(dir, file), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		w := csv.NewWriter(f)
		w.Write(fields)
		w.Flush()
		if err := f.Close(); err != nil || w.Error() != nil {
			t.Fatal(err, w.Error())
		}
	}
	add("units.csv", "EVIL", hostile, "commune", "TX", "", "", "")
	add("procedures.csv", "EVIL.001", hostile, hostile, "commune", "4", "5", "0", "false")
	add("officials.csv", "CB.EVIL", hostile, "EVIL", "10")
	cat, err := catalog.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestHostileNamesRunNothing names a unit, a procedure and an official
// with markup and script, gives them dossiers, and opens every page in
// Chromium: nothing runs, and the names show as text.
func TestHostileNamesRunNothing(t *testing.T) {
	b := browsertest.New(t)
	cat := hostileCatalog(t)
	wh := warehousetest.OpenEmpty(t)
	ctx := t.Context()
	if err := wh.SaveCatalog(ctx, cat, "test"); err != nil {
		t.Fatal(err)
	}
	var evs []motcua.Event
	day := time.Date(2026, 11, 2, 8, 0, 0, 0, motcua.Location)
	for i, kind := range []string{"late", "open", "early"} {
		id := "EVIL-" + kind
		at := day.AddDate(0, 0, i)
		evs = append(evs, motcua.Event{EventID: id + "-r", DossierID: id, Type: motcua.Received, At: at, Unit: "EVIL", Procedure: "EVIL.001",
			Official: "CB.EVIL", Channel: motcua.Online, DueAt: at.AddDate(0, 0, 2), Source: "test"})
		switch kind {
		case "late":
			evs = append(evs, motcua.Event{EventID: id + "-d", DossierID: id, Type: motcua.Resolved, At: at.AddDate(0, 0, 5), Unit: "EVIL", Procedure: "EVIL.001", Source: "test"})
		case "early":
			evs = append(evs, motcua.Event{EventID: id + "-d", DossierID: id, Type: motcua.Resolved, At: at.AddDate(0, 0, 1), Unit: "EVIL", Procedure: "EVIL.001", Source: "test"})
		}
	}
	if _, err := wh.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.RefoldAll(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	s := serve(t, wh, figures{cat, cat.Calendar()}, access.User{Login: "lanh.dao", Role: access.Leader})
	month := "period=month&year=2026&n=11"
	pages := map[string]string{
		"overview":  "/?" + month,
		"unit":      "/units/EVIL?" + month,
		"procedure": "/procedures/EVIL.001?" + month,
		"official":  "/officials/CB.EVIL?" + month,
		"list":      "/dossiers?" + month + "&figure=handled&unit=EVIL",
		"dossier":   "/dossiers/" + url.PathEscape("EVIL-late"),
	}
	for name, path := range pages {
		p, err := b.Visit(s.URL + path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Status() != 200 {
			t.Errorf("%s: status %d", name, p.Status())
		}
		var kind string
		if err := p.Eval(`typeof window.pwned`, &kind); err != nil {
			t.Fatal(err)
		}
		if kind != "undefined" {
			t.Errorf("%s: a name ran as script (window.pwned is %s)", name, kind)
		}
		if name != "dossier" && !strings.Contains(p.Text(), hostile) {
			t.Errorf("%s: the name does not show as text", name)
		}
		if name != "dossier" && name != "list" && len(p.Charts()) == 0 {
			t.Errorf("%s: no chart drew", name)
		}
		for _, c := range p.Charts() {
			if c.Width == 0 || c.Height == 0 {
				t.Errorf("%s: chart %s did not draw", name, c.ID)
			}
		}
		if e := p.ConsoleErrors(); len(e) > 0 {
			t.Errorf("%s: console errors %q", name, e)
		}
		if f := p.ForeignRequests(); len(f) > 0 {
			t.Errorf("%s: requests to other hosts %q", name, f)
		}
		p.Screenshot("hostile-" + name)
		p.Close()
	}
}
