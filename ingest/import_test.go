package ingest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/ingest/ingesttest"
	"github.com/motcua/motcua/warehouse/warehousetest"
)

func TestMain(m *testing.M) { warehousetest.Main(m) }

func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportEachFormat(t *testing.T) {
	wh := warehousetest.Open(t)
	cat := ingesttest.Catalog(t)
	ctx := t.Context()

	xl := excelize.NewFile()
	xl.SetSheetRow("Sheet1", "A1", &[]any{"Mã sự kiện", "Mã hồ sơ", "Loại sự kiện", "Thời điểm", "Mã đơn vị", "Mã TTHC", "Kênh nộp"})
	xl.SetSheetRow("Sheet1", "A2", &[]any{"x1", "X-1", "tiếp nhận", "2022-06-01T08:00:00+07:00", "HT", "XA.003", "trực tiếp"})
	xlPath := filepath.Join(t.TempDir(), "events.xlsx")
	if err := xl.SaveAs(xlPath); err != nil {
		t.Fatal(err)
	}
	files := []struct {
		path   string
		opt    ingest.ImportOptions
		events int
	}{
		{write(t, "a.ndjson", `{"event_id":"n1","dossier_id":"N-1","type":"received","at":"2022-06-01T08:00:00+07:00","unit":"P2","procedure":"XA.002","channel":"postal"}`+"\n"), ingest.ImportOptions{}, 1},
		{write(t, "a.csv", "event_id,dossier_id,type,at,unit,procedure,channel\nc1,C-1,received,2022-06-01T08:00:00+07:00,DT,XA.004,online\nc2,C-1,resolved,2022-06-02T08:00:00+07:00,DT,XA.004,\n"), ingest.ImportOptions{}, 2},
		{xlPath, ingest.ImportOptions{}, 1},
		{write(t, "portal.json", `[{"MaHoSo":"P-1","MaTTHC":"TX.020","KenhThucHien":2,"NgayTiepNhan":"20220601080000","NgayHenTra":"20220610170000","TrangThaiHoSo":4}]`), ingest.ImportOptions{Format: ingest.FormatPortal, Unit: "TX.MC"}, 1},
	}
	for _, f := range files {
		f.opt.Source = "file"
		st, err := ingest.Import(ctx, wh, cat, f.path, f.opt)
		if err != nil || st.Accepted != f.events || st.Rejected != 0 {
			t.Errorf("%s: %+v, %v", filepath.Base(f.path), st, err)
		}
		st, err = ingest.Import(ctx, wh, cat, f.path, f.opt)
		if err != nil || st.Accepted != 0 || st.Duplicates != f.events {
			t.Errorf("%s again: %+v, %v", filepath.Base(f.path), st, err)
		}
	}
	if n, _ := wh.CountEvents(ctx); n != 5 {
		t.Errorf("stored %d events, want 5", n)
	}
	// A later snapshot of the portal dossier adds only its resolution and return.
	later := write(t, "portal2.json", `{"MaHoSo":"P-1","MaTTHC":"TX.020","KenhThucHien":2,"NgayTiepNhan":"20220601080000","NgayHenTra":"20220610170000","NgayKetThucXuLy":"20220608100000","NgayTra":"20220609090000","TrangThaiHoSo":10}`)
	st, err := ingest.Import(ctx, wh, cat, later, ingest.ImportOptions{Format: ingest.FormatPortal, Unit: "TX.MC", Source: "file"})
	if err != nil || st.Accepted != 2 || st.Duplicates != 1 {
		t.Errorf("later snapshot: %+v, %v", st, err)
	}
	evs, _ := wh.Events(ctx, "P-1")
	if len(evs) != 3 || evs[2].Type != "returned" {
		t.Errorf("events of P-1: %+v", evs)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	wh := warehousetest.Open(t)
	cat := ingesttest.Catalog(t)
	ctx := t.Context()
	body := "event_id,dossier_id,type,at,unit,procedure,channel\n" +
		"k1,K-1,received,2022-06-01T08:00:00+07:00,LT,XA.005,online\n" +
		"k2,K-2,received,2022-06-01T08:00:00+07:00,LT,XA.999,online\n" +
		"k3,K-3,received,2022-06-01T08:00:00+07:00,LT,XA.005,online\n"
	p := write(t, "bad.csv", body)
	st, err := ingest.Import(ctx, wh, cat, p, ingest.ImportOptions{Batch: 1})
	if err != nil || st.Rejected != 1 || st.Accepted != 0 {
		t.Fatalf("all or nothing: %+v, %v", st, err)
	}
	msg := ingest.FileError{File: p, FieldError: st.Errors[0]}.Error()
	if !strings.Contains(msg, `bad.csv: row 3, column "procedure": unknown procedure "XA.999"`) {
		t.Errorf("error message %q", msg)
	}
	if n, _ := wh.CountEvents(ctx); n != 0 {
		t.Errorf("a refused file stored %d events", n)
	}
	st, err = ingest.Import(ctx, wh, cat, p, ingest.ImportOptions{Partial: true, Batch: 1})
	if err != nil || st.Rejected != 1 || st.Accepted != 2 {
		t.Errorf("partial: %+v, %v", st, err)
	}
	// A file larger than what the first pass keeps is read twice.
	good := write(t, "good.csv", strings.Replace(body, "XA.999", "XA.005", 1))
	st, err = ingest.Import(ctx, wh, cat, good, ingest.ImportOptions{Batch: 2, MaxBuffered: 1})
	if err != nil || st.Rejected != 0 || st.Accepted != 1 || st.Duplicates != 2 {
		t.Errorf("two passes: %+v, %v", st, err)
	}
}
