package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func TestImportCommand(t *testing.T) {
	addr, db := warehousetest.Addr(t), warehousetest.NewDatabase(t)
	t.Setenv("MOTCUA_CLICKHOUSE_PASSWORD", warehousetest.Password(t))
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ndjson")
	bad := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(good, []byte(`{"event_id":"a1","dossier_id":"A","type":"received","at":"2022-01-04T08:00:00+07:00","unit":"P1","procedure":"XA.001","channel":"direct"}`+"\n"), 0o644)
	os.WriteFile(bad, []byte(`{"event_id":"b1","dossier_id":"B","type":"received","at":"2022-01-04T08:00:00+07:00","unit":"P1","procedure":"XA.001"}`+"\n"), 0o644)
	imp := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(t.Context(), append([]string{"import", "--clickhouse", addr, "--database", db}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := imp(good); code != 0 || !strings.Contains(out, "1 stored, 0 already stored") {
		t.Errorf("good file: exit %d, %q, %q", code, out, errs)
	}
	if code, out, _ := imp(good); code != 0 || !strings.Contains(out, "0 stored, 1 already stored") {
		t.Errorf("good file again: exit %d, %q", code, out)
	}
	code, out, errs := imp(bad)
	if code != 1 || !strings.Contains(errs, `bad.ndjson: row 1, column "channel": is required on a received event`) || !strings.Contains(out, "nothing was stored") {
		t.Errorf("bad file: exit %d, %q, %q", code, out, errs)
	}
	if code, _, errs := imp(filepath.Join(dir, "missing.csv")); code != 1 || !strings.Contains(errs, "missing.csv") {
		t.Errorf("missing file: exit %d, %q", code, errs)
	}
	if code := run(t.Context(), []string{"frobnicate"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

func TestCatalogLoadCommand(t *testing.T) {
	addr, db := warehousetest.Addr(t), warehousetest.NewDatabase(t)
	t.Setenv("MOTCUA_CLICKHOUSE_PASSWORD", warehousetest.Password(t))
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"catalog", "load", "--clickhouse", addr, "--database", db, "../../catalog/duyenhai"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "loaded 28 units, 432 procedures") {
		t.Errorf("exit %d, %q, %q", code, out.String(), errb.String())
	}
	code = run(t.Context(), []string{"catalog", "load", "--clickhouse", addr, "--database", db, t.TempDir()}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), `cannot open catalogue file "units.csv"`) {
		t.Errorf("empty folder: exit %d, %q", code, errb.String())
	}
}
