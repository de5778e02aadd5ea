package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// Text is the results section of a unit's report, written from the
// numbers in the form of the seed's (Duyên Hải, 2022): the rating
// sentence, then a paragraph for the town's one-stop shop, for the
// communes and wards and for the sector agencies, and a note on the bases.
type Text struct {
	Period     string   `json:"period"`
	Rating     string   `json:"rating,omitempty"`
	Paragraphs []string `json:"paragraphs"`
	Note       string   `json:"note"`
}

// String is the text ready to paste into a document.
func (t *Text) String() string {
	var b strings.Builder
	if t.Rating != "" {
		b.WriteString(t.Rating + "\n\n")
	}
	for _, p := range t.Paragraphs {
		b.WriteString(p + "\n\n")
	}
	b.WriteString(t.Note + "\n")
	return b.String()
}

// BuildText writes the results section for the period, of unit and its
// subtree (every unit when empty).
//
// With successors (Catalog.Successors), each dossier counts under the unit
// that stands today for the unit that received it, and the note says so.
func BuildText(ctx context.Context, src Source, cat *motcua.Catalog, p motcua.Period, unit string, successors map[string]string) (*Text, error) {
	var units []string
	if unit != "" {
		if !cat.HasUnit(unit) {
			return nil, fmt.Errorf("%w: unit %q: no such unit in the catalogue", motcua.ErrInvalid, unit)
		}
		units = cat.Subtree(unit)
	}
	rows, err := src.Summary(ctx, motcua.SummaryQuery{Windows: []motcua.Window{{From: p.From, To: p.To.AddDate(0, 0, 1)}},
		Units: units, By: motcua.GroupUnit, Successors: successors})
	if err != nil {
		return nil, err
	}
	byLevel := map[motcua.UnitLevel]*motcua.Counts{}
	for _, r := range rows {
		u, _ := cat.Unit(r.Key)
		if byLevel[u.Level] == nil {
			byLevel[u.Level] = &motcua.Counts{}
		}
		byLevel[u.Level].Add(r)
	}
	inYear := "trong kỳ"
	if p.Kind == motcua.PeriodYear {
		inYear = "trong năm"
	}
	year := p.To.Year()
	t := &Text{Period: p.Label(), Rating: ratingSentence(cat, unit, year)}
	for _, lv := range []motcua.UnitLevel{motcua.LevelTown, motcua.LevelCommune} {
		c := byLevel[lv]
		if c == nil {
			continue
		}
		where := "Tại Bộ phận Một cửa thị xã"
		if lv == motcua.LevelCommune {
			where = "Tại Bộ phận Một cửa các xã, phường"
		}
		online := motcua.ShareOf(c.NewOnline, c.Handled, "handled", 1)
		var target string
		if tr := cat.TargetsOf(motcua.GroupLevel, string(lv), year, c.Shares(1)); len(tr) > 0 && tr[0].Name == "online_share" {
			target = fmt.Sprintf(", chỉ tiêu giao là %s", motcua.FormatShare(tr[0].Target, 0))
		}
		par := fmt.Sprintf("- %s: Tổng số hồ sơ thủ tục hành chính đã tiếp nhận %s là %s hồ sơ, trong đó số mới tiếp nhận trong kỳ %s hồ sơ "+
			"(trực tuyến mức độ 3, 4: %s hồ sơ, chiếm %s%s; trực tiếp và qua dịch vụ bưu chính: %s hồ sơ); số từ kỳ trước chuyển qua: %s hồ sơ. "+
			"Số lượng hồ sơ đã giải quyết: %s hồ sơ, trong đó giải quyết trước hạn: %s hồ sơ, đạt %s; đúng hạn: %s hồ sơ, chiếm %s; ",
			where, inYear, count(c.Handled), count(c.New), count(c.NewOnline), motcua.FormatShare(online.Value, 1), target,
			count(c.NewDirect+c.NewPostal), count(c.CarriedOver), count(c.Resolved), count(c.Early), share(c.Early, c.Resolved),
			count(c.OnTime), share(c.OnTime, c.Resolved))
		if c.Late == 0 {
			par += "không có hồ sơ quá hạn."
		} else {
			par += fmt.Sprintf("quá hạn: %s hồ sơ, chiếm %s.", count(c.Late), share(c.Late, c.Resolved))
		}
		if open := c.OpenAtEnd; open > 0 && c.OverdueAtEnd > 0 {
			par += fmt.Sprintf(" Đến cuối kỳ còn %s hồ sơ đang giải quyết, trong đó %s hồ sơ quá hạn.", count(open), count(c.OverdueAtEnd))
		} else if open > 0 {
			par += fmt.Sprintf(" Đến cuối kỳ còn %s hồ sơ đang giải quyết, đều trong hạn.", count(open))
		}
		t.Paragraphs = append(t.Paragraphs, par)
	}
	if c := byLevel[motcua.LevelSector]; c != nil {
		par := fmt.Sprintf("- Riêng thủ tục hành chính ngành dọc đưa ra tiếp nhận tại Bộ phận Một cửa %s: Tổng số hồ sơ tiếp nhận %s hồ sơ, "+
			"đã giải quyết đúng hạn %s.", inYear, count(c.Handled), share(c.Early+c.OnTime, c.Resolved))
		if c.Late > 0 {
			par = strings.TrimSuffix(par, ".") + fmt.Sprintf(", quá hạn %s hồ sơ.", count(c.Late))
		}
		t.Paragraphs = append(t.Paragraphs, par)
	}
	t.Note = "Ghi chú: tỷ lệ trực tuyến tính trên tổng số hồ sơ đã tiếp nhận (mới tiếp nhận và từ kỳ trước chuyển qua), như báo cáo năm 2022; " +
		"tỷ lệ trước hạn, đúng hạn và quá hạn tính trên số hồ sơ đã giải quyết. " + unitsNote(successors) + "Số liệu do motcua tổng hợp từ dữ liệu hồ sơ, kỳ: " + p.Label() + "."
	return t, nil
}

func count(n uint64) string { return motcua.FormatCount(n) }

// share writes num/den in percent with as few decimals (one or two) as
// keep it within 0,01 point of its value: 45,7% for 45,708, 52,72% for
// 52,723; 100% when whole.
func share(num, den uint64) string {
	if den == 0 {
		return "0%"
	}
	exact := float64(num) * 100 / float64(den)
	for digits := 0; digits <= 1; digits++ {
		s := motcua.ShareOf(num, den, "", digits).Value
		if math.Abs(s-exact) < 0.01 {
			return motcua.FormatShare(s, digits)
		}
	}
	return motcua.FormatShare(motcua.ShareOf(num, den, "", 2).Value, 2)
}

// ratingSentence says how the province rated the unit (or the catalogue's
// root) and its communes and wards for the year, from ratings.csv.
func ratingSentence(cat *motcua.Catalog, unit string, year int) string {
	root := unit
	if root == "" {
		// The highest unit rated for the year: the town of 2022 under
		// today's province.
		for _, u := range cat.Units {
			if _, ok := cat.RatingFor(u.Code, year); ok && (root == "" || slices.Contains(cat.Subtree(u.Code), root)) {
				root = u.Code
			}
		}
		if root == "" {
			return ""
		}
	}
	inYear := func(u motcua.Unit) bool {
		return u.AliveAt(time.Date(year, 1, 1, 0, 0, 0, 0, motcua.Location)) || u.AliveAt(time.Date(year, 12, 31, 0, 0, 0, 0, motcua.Location))
	}
	top, ok := cat.RatingFor(root, year)
	communes := 0
	byRating := map[string]int{}
	for _, code := range cat.Subtree(root) {
		u, _ := cat.Unit(code)
		if u.Level != motcua.LevelCommune || !inYear(u) {
			continue
		}
		communes++
		if r, ok := cat.RatingFor(code, year); ok {
			byRating[r.Rating]++
		}
	}
	if !ok && len(byRating) == 0 {
		return ""
	}
	var parts []string
	source := top.Source
	if ok {
		u, _ := cat.Unit(root)
		parts = append(parts, fmt.Sprintf("%s được đánh giá loại %s", u.Name, strings.ToLower(top.Rating)))
	}
	var ratings []string
	for r := range byRating {
		ratings = append(ratings, r)
	}
	sort.Slice(ratings, func(i, j int) bool { return byRating[ratings[i]] > byRating[ratings[j]] })
	for _, r := range ratings {
		parts = append(parts, fmt.Sprintf("%02d/%02d xã, phường trên địa bàn đạt loại %s", byRating[r], communes, strings.ToLower(r)))
		if source == "" {
			for _, code := range cat.Subtree(root) {
				if rr, ok := cat.RatingFor(code, year); ok {
					source = rr.Source
					break
				}
			}
		}
	}
	return fmt.Sprintf("Theo %s về kết quả đánh giá, xếp loại tình hình tiếp nhận, giải quyết, trả kết quả hồ sơ thủ tục hành chính năm %d: %s.",
		source, year, strings.Join(parts, " và "))
}

// unitsNote says which units the dossiers count under.
func unitsNote(successors map[string]string) string {
	if successors != nil {
		return "Hồ sơ tính theo đơn vị hiện nay: hồ sơ của đơn vị đã sáp nhập tính cho đơn vị kế thừa. "
	}
	return "Hồ sơ tính theo đơn vị tiếp nhận. "
}
