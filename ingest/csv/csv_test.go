package csv

import (
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/ingesttest"
)

func TestReadVietnameseHeaders(t *testing.T) {
	cat := ingesttest.Catalog(t)
	// Semicolons, a BOM, Vietnamese headers in NFD (decomposed) and values in Vietnamese.
	hdr := "\ufeffMã sự kiện;Mã hồ sơ;Loại sự kiện;Thời điểm;Mã đơn vị;Mã TTHC;Kênh nộp;Ngày hẹn trả;Phí, lệ phí;Số hóa\n"
	in := strings.Replace(hdr, "ố", "o\u0302\u0301", 1) +
		"e1;H1;Tiếp nhận;2022-03-01T08:00:00+07:00;TLH;XA.001;Trực tuyến;2022-03-04T17:00:00+07:00;50.000;có\n" +
		";;;;;;;;;\n" +
		"e2;H1;Giải quyết;2022-03-03T10:00:00+07:00;TLH;XA.001;;;;\n" +
		"e3;H2;tiếp nhận;2022-03-01 08:00;XYZ;XA.001;trực tiếp;;abc;\n"
	var got ingesttest.Rows
	if err := Read(strings.NewReader(in), cat, got.Emit); err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 2 {
		t.Fatalf("got %d events, want 2 (errors %v)", len(got.Events), got.Errors)
	}
	e := got.Events[0]
	if e.Type != motcua.Received || e.Channel != motcua.Online || *e.FeeVND != 50000 || !*e.Digitized ||
		!e.DueAt.Equal(time.Date(2022, 3, 4, 17, 0, 0, 0, motcua.Location)) || e.Unit != "TLH" {
		t.Errorf("first event: %+v", e)
	}
	if got.Events[1].Type != motcua.Resolved {
		t.Errorf("second event type %q", got.Events[1].Type)
	}
	if !got.Has(5, "Thời điểm", "no UTC offset") || !got.Has(5, "Phí, lệ phí", "want an amount") {
		t.Errorf("row 5 errors: %v", got.Errors)
	}
}

func TestReadRefusesUnknownColumn(t *testing.T) {
	err := Read(strings.NewReader("event_id,dossier_id,type,at,unit,procedure,Họ tên\n"), nil, (&ingesttest.Rows{}).Emit)
	if err == nil || !strings.Contains(err.Error(), `"Họ tên" is not a field of the event contract`) {
		t.Errorf("got %v", err)
	}
}

func TestReadUnknownUnitNamesColumn(t *testing.T) {
	var got ingesttest.Rows
	in := "event_id,dossier_id,type,at,Đơn vị,procedure,channel\ne,d,received,2022-03-01T08:00:00+07:00,Q9,XA.001,online\n"
	if err := Read(strings.NewReader(in), ingesttest.Catalog(t), got.Emit); err != nil {
		t.Fatal(err)
	}
	if !got.Has(2, "Đơn vị", `unknown unit "Q9"`) {
		t.Errorf("errors: %v", got.Errors)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("event_id,dossier_id,type,at,unit,procedure,channel\ne,d,received,2022-03-01T08:00:00+07:00,P1,XA.001,online\n")
	f.Add("Mã sự kiện;Mã hồ sơ;Loại sự kiện;Thời điểm;Mã đơn vị;Mã TTHC\n\"a;b\";x;y;z;w;v\n")
	cat := ingesttest.Catalog(f)
	f.Fuzz(func(t *testing.T, s string) {
		Read(strings.NewReader(s), cat, func(row int, e motcua.Event, errs []motcua.FieldError) error {
			if errs == nil && (e.EventID == "" || e.At.IsZero()) {
				t.Fatalf("row %d accepted without id or time: %+v", row, e)
			}
			return nil
		})
	})
}
