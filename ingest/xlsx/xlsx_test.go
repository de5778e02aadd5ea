package xlsx

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/ingesttest"
)

func workbook(t testing.TB, rows [][]any) *bytes.Buffer {
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestReadDateCellsAndText(t *testing.T) {
	at := time.Date(2022, 3, 1, 8, 30, 0, 0, time.UTC) // Excel keeps wall-clock time only
	b := workbook(t, [][]any{
		{"Mã sự kiện", "Mã hồ sơ", "Loại sự kiện", "Thời điểm", "Mã đơn vị", "Mã TTHC", "Hình thức nộp", "Ngày hẹn trả", "Lệ phí"},
		{"e1", "H1", "tiếp nhận", at, "P2", "XA.002", "bưu chính", "2022-03-04T17:00:00+07:00", 20000},
		{"e2", "H1", "giải quyết", "hôm qua", "P2", "XA.002"},
		{"e3", "H2", "tiếp nhận", at, "P2", "XA.002", "bằng thư"},
	})
	var got ingesttest.Rows
	if err := Read(b, ingesttest.Catalog(t), got.Emit); err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 1 {
		t.Fatalf("got %d events (%v), want 1", len(got.Events), got.Errors)
	}
	e := got.Events[0]
	want := time.Date(2022, 3, 1, 8, 30, 0, 0, motcua.Location)
	if !e.At.Equal(want) || e.Channel != motcua.Postal || *e.FeeVND != 20000 {
		t.Errorf("event: at %v (want %v), %+v", e.At, want, e)
	}
	if !got.Has(3, "Thời điểm", "cannot read time") || !got.Has(4, "Hình thức nộp", `unknown channel "bằng thư"`) {
		t.Errorf("errors: %v", got.Errors)
	}
}

func TestReadNotAWorkbook(t *testing.T) {
	if err := Read(bytes.NewBufferString("event_id,at\n"), nil, (&ingesttest.Rows{}).Emit); err == nil {
		t.Error("want an error for a file that is not a workbook")
	}
}

func FuzzRead(f *testing.F) {
	f.Add(workbook(f, [][]any{{"event_id", "dossier_id", "type", "at", "unit", "procedure", "channel"},
		{"e", "d", "received", "2022-03-01T08:00:00+07:00", "P1", "XA.001", "online"}}).Bytes())
	cat := ingesttest.Catalog(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		Read(bytes.NewReader(b), cat, func(row int, e motcua.Event, errs []motcua.FieldError) error {
			if errs == nil && e.EventID == "" {
				t.Fatalf("row %d accepted without an id", row)
			}
			return nil
		})
	})
}
