package reports

import (
	"context"
	"fmt"
	"sort"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/export"
)

// Form06Row is one row of form 06: a level, a field of procedure, or the
// total. Its counts follow the form's notes (DESIGN.md, Reports): withdrawn
// and refused dossiers count as resolved on time, and a dossier waiting for
// a supplement is in progress within due.
type Form06Row struct {
	STT   string `json:"stt"`
	Field string `json:"field"`
	Level string `json:"level,omitempty"`
	// Received: (3) total, (4) online, (5) direct and postal, (6) carried
	// over from the previous period.
	Received       uint64 `json:"received"`
	Online         uint64 `json:"online"`
	DirectPostal   uint64 `json:"direct_postal"`
	CarriedOver    uint64 `json:"carried_over"`
	Resolved       uint64 `json:"resolved"`
	Early          uint64 `json:"early"`
	OnTime         uint64 `json:"on_time"`
	Late           uint64 `json:"late"`
	InProgress     uint64 `json:"in_progress"`
	WithinDue      uint64 `json:"within_due"`
	OverdueInProgr uint64 `json:"overdue"`
}

// form06Row fills a row from the summary's counts.
func form06Row(stt, field string, c motcua.Counts) Form06Row {
	return Form06Row{STT: stt, Field: field, Received: c.Handled, Online: c.NewOnline, DirectPostal: c.NewDirect + c.NewPostal,
		CarriedOver: c.CarriedOver, Resolved: c.Resolved + c.ClosedUnresolved, Early: c.Early, OnTime: c.OnTime + c.ClosedUnresolved,
		Late: c.Late, InProgress: c.OpenAtEnd, WithinDue: c.OpenAtEnd - c.OverdueUnpausedAtEnd, OverdueInProgr: c.OverdueUnpausedAtEnd}
}

// Form06 is "Biểu số 06/VPCP/KSTT" (Circular 01/2020/TT-VPCP) for a period.
type Form06 struct {
	Period string `json:"period"`
	From   string `json:"from"`
	To     string `json:"to"`
	Unit   string `json:"unit,omitempty"`
	// CurrentUnits says that dossiers count under today's units.
	CurrentUnits bool        `json:"current_units"`
	Total        Form06Row   `json:"total"`
	Rows         []Form06Row `json:"rows"` // each level, then its fields
}

// The form's number and title.
const (
	Form06Number = "Biểu số 06/VPCP/KSTT"
	Form06Title  = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
)

var romans = []string{"I", "II", "III", "IV", "V", "VI"}

// BuildForm06 makes form 06 for the period, of the dossiers received by
// unit and its subtree (every unit when empty): a row per level of
// procedure, then per field within it.
//
// With successors (Catalog.Successors), each dossier counts under the unit
// that stands today for the unit that received it.
func BuildForm06(ctx context.Context, src Source, cat *motcua.Catalog, p motcua.Period, unit string, successors map[string]string) (*Form06, error) {
	var units []string
	if unit != "" {
		if !cat.HasUnit(unit) {
			return nil, fmt.Errorf("%w: unit %q: no such unit in the catalogue", motcua.ErrInvalid, unit)
		}
		units = cat.Subtree(unit)
	}
	rows, err := src.Summary(ctx, motcua.SummaryQuery{Windows: []motcua.Window{{From: p.From, To: p.To.AddDate(0, 0, 1)}},
		Units: units, By: motcua.GroupProcedure, Successors: successors})
	if err != nil {
		return nil, err
	}
	type key struct {
		level motcua.UnitLevel
		field string
	}
	byField := map[key]*motcua.Counts{}
	byLevel := map[motcua.UnitLevel]*motcua.Counts{}
	var total motcua.Counts
	for _, r := range rows {
		pr, _ := cat.Procedure(r.Key)
		k := key{pr.Level, pr.Field}
		if pr.Field == "" {
			k.field = "Khác"
		}
		if byField[k] == nil {
			byField[k] = &motcua.Counts{}
		}
		if byLevel[k.level] == nil {
			byLevel[k.level] = &motcua.Counts{}
		}
		byField[k].Add(r)
		byLevel[k.level].Add(r)
		total.Add(r)
	}
	f := &Form06{Period: p.Label(), From: motcua.FormatDate(p.From), To: motcua.FormatDate(p.To), Unit: unit,
		Total: form06Row("", "Tổng số", total), CurrentUnits: successors != nil}
	levels := []motcua.UnitLevel{motcua.LevelTown, motcua.LevelCommune, motcua.LevelSector, motcua.LevelPost}
	for lv := range byLevel {
		if !containsLevel(levels, lv) {
			levels = append(levels, lv)
		}
	}
	i := 0
	for _, lv := range levels {
		c := byLevel[lv]
		if c == nil {
			continue
		}
		row := form06Row(romans[min(i, len(romans)-1)], lv.LevelName(), *c)
		row.Level = string(lv)
		f.Rows = append(f.Rows, row)
		i++
		var fields []string
		for k := range byField {
			if k.level == lv {
				fields = append(fields, k.field)
			}
		}
		sort.Strings(fields)
		for j, name := range fields {
			r := form06Row(fmt.Sprint(j+1), name, *byField[key{lv, name}])
			r.Level = string(lv)
			f.Rows = append(f.Rows, r)
		}
	}
	return f, nil
}

func containsLevel(ls []motcua.UnitLevel, l motcua.UnitLevel) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// Doc is the form as one table with the form's two header rows.
func (f *Form06) Doc(unitName string) *export.Doc {
	lines := []string{"(Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020 của Văn phòng Chính phủ)",
		fmt.Sprintf("Kỳ báo cáo: %s (từ ngày %s đến ngày %s)", f.Period, f.From, f.To)}
	if unitName != "" {
		lines = append(lines, "Đơn vị báo cáo: "+unitName)
	}
	if f.CurrentUnits {
		lines = append(lines, "Hồ sơ tính theo đơn vị hiện nay: hồ sơ của đơn vị đã sáp nhập tính cho đơn vị kế thừa.")
	}
	lines = append(lines, "Đơn vị tính: hồ sơ. Hồ sơ rút hoặc bị từ chối tính là giải quyết đúng hạn; hồ sơ đang chờ bổ sung tính là đang giải quyết trong hạn.")
	t := &export.Table{Name: "form06", Title: Form06Number,
		Columns: []export.Column{
			{Key: "stt", Title: "STT (1)", Kind: export.Text},
			{Key: "field", Title: "Lĩnh vực giải quyết (2)", Kind: export.Text},
			{Key: "received", Title: "Tổng số (3)", Kind: export.Count},
			{Key: "online", Title: "Trực tuyến (4)", Kind: export.Count},
			{Key: "direct_postal", Title: "Trực tiếp, dịch vụ bưu chính (5)", Kind: export.Count},
			{Key: "carried_over", Title: "Từ kỳ trước chuyển qua (6)", Kind: export.Count},
			{Key: "resolved", Title: "Tổng số (7)", Kind: export.Count},
			{Key: "early", Title: "Trước hạn (8)", Kind: export.Count},
			{Key: "on_time", Title: "Đúng hạn (9)", Kind: export.Count},
			{Key: "late", Title: "Quá hạn (10)", Kind: export.Count},
			{Key: "in_progress", Title: "Tổng số (11)", Kind: export.Count},
			{Key: "within_due", Title: "Trong hạn (12)", Kind: export.Count},
			{Key: "overdue", Title: "Quá hạn (13)", Kind: export.Count},
		},
		Groups: []export.Group{{Title: "", Span: 2}, {Title: "Số hồ sơ nhận giải quyết", Span: 4},
			{Title: "Kết quả giải quyết: số hồ sơ đã giải quyết", Span: 4}, {Title: "Số hồ sơ đang giải quyết", Span: 3}}}
	cells := func(r Form06Row) []export.Cell {
		return []export.Cell{{Value: r.STT}, {Value: r.Field}, {Value: r.Received}, {Value: r.Online}, {Value: r.DirectPostal},
			{Value: r.CarriedOver}, {Value: r.Resolved}, {Value: r.Early}, {Value: r.OnTime}, {Value: r.Late},
			{Value: r.InProgress}, {Value: r.WithinDue}, {Value: r.OverdueInProgr}}
	}
	t.Rows = append(t.Rows, cells(f.Total))
	for _, r := range f.Rows {
		t.Rows = append(t.Rows, cells(r))
	}
	return &export.Doc{Title: Form06Number + ": " + Form06Title, Lines: lines, Tables: []*export.Table{t}}
}
