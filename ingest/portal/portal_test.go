package portal

import (
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/ingesttest"
)

type collected struct {
	events []motcua.Event
	errs   []motcua.FieldError
}

func (c *collected) emit(_ int, evs []motcua.Event, errs []motcua.FieldError) error {
	c.events = append(c.events, evs...)
	c.errs = append(c.errs, errs...)
	return nil
}

func TestReadArray(t *testing.T) {
	in := `[
 {"MaHoSo":"H59.22-0001","MaTTHC":"TX.010","DonViXuLy":"Bộ phận Một cửa thị xã Duyên Hải","KenhThucHien":3,
  "NgayTiepNhan":"20220301080000","NgayHenTra":"20220310170000","NgayKetThucXuLy":"20220309100000",
  "NgayTra":"20220310090000","TrangThaiHoSo":"10","ChuHoSo":"Nguyễn Văn A","SoDienThoai":"0900000000"},
 {"MaHoSo":"H59.22-0002","MaTTHC":"TX.010","KenhThucHien":"2","NgayTiepNhan":"20220302080000","TrangThaiHoSo":4},
 {"MaHoSo":"H59.22-0003","MaTTHC":"TX.010","KenhThucHien":1,"NgayTiepNhan":"20220302080000","TrangThaiHoSo":7},
 {"MaHoSo":"H59.22-0004","MaTTHC":"ZZZ","KenhThucHien":5,"NgayTiepNhan":"2022-03-02","TrangThaiHoSo":9}
]`
	var c collected
	if err := Read(strings.NewReader(in), ingesttest.Catalog(t), "TX.MC", c.emit); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range c.events {
		kinds = append(kinds, e.EventID)
	}
	want := "portal/H59.22-0001/received portal/H59.22-0001/resolved portal/H59.22-0001/returned portal/H59.22-0002/received portal/H59.22-0003/received portal/H59.22-0003/withdrawn"
	if strings.Join(kinds, " ") != want {
		t.Errorf("events:\n got %s\nwant %s", strings.Join(kinds, " "), want)
	}
	r := c.events[0]
	if r.Channel != motcua.Postal || r.Unit != "TX.MC" || !r.DueAt.Equal(time.Date(2022, 3, 10, 17, 0, 0, 0, motcua.Location)) {
		t.Errorf("received event: %+v", r)
	}
	if c.events[2].ReturnChannel != motcua.ReturnPostal {
		t.Errorf("return channel %q, want postal", c.events[2].ReturnChannel)
	}
	has := func(field, reason string) bool {
		for _, e := range c.errs {
			if e.Line == 4 && e.Field == field && strings.Contains(e.Reason, reason) {
				return true
			}
		}
		return false
	}
	if !has("KenhThucHien", "want 1 (direct)") || !has("NgayTiepNhan", "yyyyMMddHHmmss") {
		t.Errorf("errors of record 4: %v", c.errs)
	}
}

func TestReadStreamNeedsUnit(t *testing.T) {
	in := `{"MaHoSo":"A","MaTTHC":"XA.001","KenhThucHien":2,"NgayTiepNhan":"20220301080000","TrangThaiHoSo":2}
{"MaHoSo":"B","MaTTHC":"XA.001","MaDonVi":"P1","KenhThucHien":2,"NgayTiepNhan":"20220301080000","TrangThaiHoSo":2}`
	var c collected
	if err := Read(strings.NewReader(in), ingesttest.Catalog(t), "", c.emit); err != nil {
		t.Fatal(err)
	}
	if len(c.events) != 1 || c.events[0].Unit != "P1" || len(c.errs) != 1 || c.errs[0].Line != 1 {
		t.Errorf("events %v, errors %v", c.events, c.errs)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(`[{"MaHoSo":"A","MaTTHC":"XA.001","MaDonVi":"P1","KenhThucHien":2,"NgayTiepNhan":"20220301080000","NgayKetThucXuLy":"20220302080000","TrangThaiHoSo":9}]`)
	f.Add(`{"MaHoSo":"B"} {"TrangThaiHoSo":"x"}`)
	cat := ingesttest.Catalog(f)
	f.Fuzz(func(t *testing.T, s string) {
		Read(strings.NewReader(s), cat, "P1", func(n int, evs []motcua.Event, errs []motcua.FieldError) error {
			if errs == nil && len(evs) == 0 {
				t.Fatalf("record %d: no events and no errors", n)
			}
			for _, e := range evs {
				if e.At.IsZero() || !strings.HasPrefix(e.EventID, "portal/") {
					t.Fatalf("record %d: bad event %+v", n, e)
				}
			}
			return nil
		})
	})
}
