package export

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// Font is the font of every cell, as official documents use it.
const Font = "Times New Roman"

// Layout of the columns, in Excel's character units.
const (
	widthFactor = 1.15 // a Times New Roman 12 character against the unit
	widthPad    = 2.0
	minWidth    = 8.0
	maxWidth    = 50.0
	lineHeight  = 16.0 // points per line of Times New Roman 12
	titleWrap   = 14   // a title up to this many characters stays on one line
)

// The number formats of the kinds; shares and numbers show as many decimals
// as FormatCell does.
const (
	fmtCount = "#,##0"
	fmtDate  = "dd/mm/yyyy"
	fmtTime  = "dd/mm/yyyy hh:mm"
)

// WriteXLSX writes the document as an XLSX workbook, one sheet per table,
// named from the table's title. Each sheet has the document's title (bold,
// larger), its lines, the table's title, a blank row, then the table: its
// header (one row, or two with Groups, in bold, centred, wrapped, with
// merged cells), its rows and its footer (bold). The panes are frozen below
// the header, and the header repeats on every printed page; the sheet prints
// on A4, as wide as one page. Every cell is in Times New Roman 12.
//
// Values are stored as values: counts as numbers shown #,##0, shares as
// fractions (49.1 is stored 0.491) shown as a percentage with the decimals
// FormatCell shows (0.0%), other numbers shown #,##0.0, dates and times as
// Excel dates shown dd/mm/yyyy and dd/mm/yyyy hh:mm (days and times of
// Asia/Ho_Chi_Minh). Excel and LibreOffice show them with the reader's
// separators (2.329 and 49,1% in a Vietnamese locale). Text is always stored
// as a string, never as a formula, so a name such as "=HYPERLINK(...)" stays
// text.
func WriteXLSX(w io.Writer, d *Doc) error {
	if err := d.Check(); err != nil {
		if te := (*TableError)(nil); errors.As(err, &te) {
			return fmt.Errorf("cannot write %w", err)
		}
		return fmt.Errorf("cannot write workbook %q: %w", d.Title, err)
	}
	if len(d.Tables) == 0 {
		return fmt.Errorf("cannot write workbook %q: it has no table", d.Title)
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDefaultFont(Font); err != nil {
		return fmt.Errorf("cannot write workbook %q: %w", d.Title, err)
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          d.Title,
		Creator:        "motcua",
		LastModifiedBy: "motcua",
		Language:       "vi-VN",
	}); err != nil {
		return fmt.Errorf("cannot write workbook %q: %w", d.Title, err)
	}
	st := &styles{f: f, ids: map[styleKey]int{}}
	names := SheetNames(d.Tables)
	first := f.GetSheetName(0)
	for i, t := range d.Tables {
		var err error
		if i == 0 {
			err = f.SetSheetName(first, names[i])
		} else {
			_, err = f.NewSheet(names[i])
		}
		if err == nil {
			err = writeSheet(f, st, names[i], d, t)
		}
		if err != nil {
			return fmt.Errorf("cannot write table %q: %w", t.Name, err)
		}
	}
	// The first sheet is active already: SetActiveSheet would read every
	// streamed sheet back into memory.
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("cannot write workbook %q: %w", d.Title, err)
	}
	return nil
}

// writeSheet writes table t of d on the sheet.
func writeSheet(f *excelize.File, st *styles, sheet string, d *Doc, t *Table) error {
	n := len(t.Columns)
	widths := columnWidths(t)
	total := 0.0
	for _, w := range widths {
		total += w
	}
	// Page setup goes on the sheet before the stream writer reads it.
	a4, one, zero, orient := 9, 1, 0, "portrait"
	if total > 95 {
		orient = "landscape"
	}
	fit := true
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &a4, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for j, w := range widths {
		if err := sw.SetColWidth(j+1, j+1, w); err != nil {
			return err
		}
	}
	head := 2 + len(d.Lines) + 2 // first header row: title, lines, table title, blank
	last := head                 // last header row
	if len(t.Groups) > 0 {
		last++
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: last, TopLeftCell: "A" + strconv.Itoa(last+1), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A" + strconv.Itoa(last+1), ActiveCell: "A" + strconv.Itoa(last+1), Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}

	row := 1
	line := func(s string, k styleKey, height float64) error {
		id, err := st.id(k)
		if err != nil {
			return err
		}
		err = sw.SetRow("A"+strconv.Itoa(row), []any{excelize.Cell{StyleID: id, Value: s}}, excelize.RowOpts{Height: height})
		row++
		return err
	}
	if err := line(d.Title, styleKey{role: roleDocTitle}, 21); err != nil {
		return err
	}
	for _, l := range d.Lines {
		if err := line(l, styleKey{role: roleLine}, lineHeight); err != nil {
			return err
		}
	}
	if err := line(t.Title, styleKey{role: roleTableTitle}, lineHeight); err != nil {
		return err
	}
	row++ // the blank row

	if err := writeHeader(sw, st, t, widths, row); err != nil {
		return err
	}
	row = last + 1
	cells := make([]any, n)
	writeRow := func(r []Cell, footer bool) error {
		lines := 1
		for j, c := range r {
			k := t.Columns[j].Kind
			id, err := st.id(cellKey(c.Value, k, footer))
			if err != nil {
				return err
			}
			cells[j] = excelize.Cell{StyleID: id, Value: xlsxValue(c.Value, k)}
			if s, ok := c.Value.(string); ok && k == Text {
				lines = max(lines, wrapLines(s, widths[j]))
			}
		}
		opts := []excelize.RowOpts{}
		if lines > 1 {
			opts = append(opts, excelize.RowOpts{Height: float64(lines)*lineHeight + 2})
		}
		err := sw.SetRow("A"+strconv.Itoa(row), cells, opts...)
		row++
		return err
	}
	for _, r := range t.Rows {
		if err := writeRow(r, false); err != nil {
			return err
		}
	}
	if len(t.Footer) > 0 {
		if err := writeRow(t.Footer, true); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("%s!$%d:$%d", quoteSheet(sheet), head, last),
		Scope:    sheet,
	})
}

// writeHeader writes the header of t from row r: the column titles, with a
// row of group titles above them when t has groups.
func writeHeader(sw *excelize.StreamWriter, st *styles, t *Table, widths []float64, r int) error {
	id, err := st.id(styleKey{role: roleHeader})
	if err != nil {
		return err
	}
	n := len(t.Columns)
	ref := func(col, row int) string {
		s, _ := excelize.CoordinatesToCellName(col+1, row)
		return s
	}
	if len(t.Groups) == 0 {
		cells := make([]any, n)
		lines := 1
		for j, c := range t.Columns {
			cells[j] = excelize.Cell{StyleID: id, Value: c.Title}
			lines = max(lines, wrapLines(c.Title, widths[j]))
		}
		return sw.SetRow(ref(0, r), cells, excelize.RowOpts{Height: float64(lines)*lineHeight + 4})
	}
	top, bottom := make([]any, n), make([]any, n)
	for j := range n {
		top[j] = excelize.Cell{StyleID: id} // borders on every merged cell
		bottom[j] = excelize.Cell{StyleID: id}
	}
	grouped := make([]bool, n)
	topLines, bottomLines, downLines := 1, 1, 1
	j := 0
	for _, g := range t.Groups {
		if g.Title != "" {
			w := 0.0
			for k := j; k < j+g.Span; k++ {
				grouped[k] = true
				w += widths[k]
			}
			top[j] = excelize.Cell{StyleID: id, Value: g.Title}
			topLines = max(topLines, wrapLines(g.Title, w))
			if g.Span > 1 {
				if err := sw.MergeCell(ref(j, r), ref(j+g.Span-1, r)); err != nil {
					return err
				}
			}
		}
		j += g.Span
	}
	for j, c := range t.Columns {
		l := wrapLines(c.Title, widths[j])
		if grouped[j] {
			bottom[j] = excelize.Cell{StyleID: id, Value: c.Title}
			bottomLines = max(bottomLines, l)
			continue
		}
		top[j] = excelize.Cell{StyleID: id, Value: c.Title}
		downLines = max(downLines, l)
		if err := sw.MergeCell(ref(j, r), ref(j, r+1)); err != nil {
			return err
		}
	}
	bottomLines = max(bottomLines, downLines-topLines)
	if err := sw.SetRow(ref(0, r), top, excelize.RowOpts{Height: float64(topLines)*lineHeight + 4}); err != nil {
		return err
	}
	return sw.SetRow(ref(0, r+1), bottom, excelize.RowOpts{Height: float64(bottomLines)*lineHeight + 4})
}

// xlsxValue returns a checked value as the stream writer stores it.
func xlsxValue(v any, k Kind) any {
	if v == nil {
		return nil // an empty cell of any kind
	}
	switch k {
	case Share:
		// 49.1 is stored as 0.491, not as 49.1/100 = 0.49100000000000005.
		f, _ := number(v)
		x, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', -1, 64)+"e-2", 64)
		if err != nil {
			x = f / 100
		}
		return round15(x)
	case Number:
		if f, ok := v.(float64); ok {
			return round15(f)
		}
	case Date, Time:
		return round15(excelDate(wallClock(v.(time.Time), k)))
	}
	return v // strings are stored as inline strings, never as formulas
}

// round15 rounds f to the 15 significant digits that Excel keeps. excelize
// cuts a float to 15 digits instead of rounding it: 08:30 on 29/12/2022,
// 44924.354166666664, would be stored 44924.3541666666, which LibreOffice
// shows as 08:29; rounded first, it is stored 44924.3541666667.
func round15(f float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// excelDate returns the serial number of the day and time of t (in UTC) in
// Excel's 1900 date system, from 1 March 1900 on.
func excelDate(t time.Time) float64 {
	secs := t.Unix() - time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Unix()
	return float64(secs/86400) + float64(secs%86400/60)/(24*60)
}

// columnWidths returns the widths of t's columns: a column's Width, or one
// that fits its longest cell as FormatCell writes it and its title, which
// wraps when longer than titleWrap characters.
func columnWidths(t *Table) []float64 {
	ws := make([]float64, len(t.Columns))
	for j, c := range t.Columns {
		if c.Width > 0 {
			ws[j] = c.Width
			continue
		}
		need := titleNeed(c.Title)
		measure := func(r []Cell) {
			if j < len(r) {
				need = max(need, utf8.RuneCountInString(FormatCell(r[j], c.Kind)))
			}
		}
		for _, r := range t.Rows {
			measure(r)
		}
		measure(t.Footer)
		ws[j] = math.Min(maxWidth, math.Max(minWidth, math.Ceil(float64(need)*widthFactor+widthPad)))
	}
	return ws
}

// titleNeed returns how many characters wide a column should be for its
// title: all of a short one, and for a longer one the longest word or half
// of it, whichever is more, so that it wraps on two lines.
func titleNeed(s string) int {
	n := utf8.RuneCountInString(s)
	if n <= titleWrap {
		return n
	}
	need := (n + 1) / 2
	for _, w := range strings.Fields(s) {
		need = max(need, utf8.RuneCountInString(w))
	}
	return need
}

// wrapLines returns on how many lines s wraps in a column width wide.
func wrapLines(s string, width float64) int {
	room := int((width - widthPad/2) / widthFactor)
	if room < 1 {
		room = 1
	}
	lines, used := 1, 0
	for _, w := range strings.Fields(s) {
		l := utf8.RuneCountInString(w)
		switch {
		case used == 0:
			used = l
		case used+1+l <= room:
			used += 1 + l
		default:
			lines++
			used = l
		}
		for used > room { // a word longer than the column breaks anywhere
			lines++
			used -= room
		}
	}
	return lines
}

// SheetNames returns the sheet names that WriteXLSX gives the tables: each
// table's title in Unicode NFC, without the characters Excel forbids (: \ /
// ? * [ ] and control characters) and apostrophes at its ends, cut to
// Excel's 31 characters; the table's name when that leaves nothing; made
// unique (as Excel compares them, ignoring case) with " (2)", " (3)", ....
func SheetNames(tables []*Table) []string {
	names := make([]string, len(tables))
	taken := map[string]bool{"history": true} // Excel reserves it
	for i, t := range tables {
		base := sheetName(t.Title)
		if base == "" {
			base = sheetName(t.Name)
		}
		name := base
		for k := 2; taken[strings.ToLower(name)]; k++ {
			suffix := fmt.Sprintf(" (%d)", k)
			name = strings.TrimRight(cutUTF16(base, 31-len(suffix)), " ") + suffix
		}
		taken[strings.ToLower(name)] = true
		names[i] = name
	}
	return names
}

// sheetName cleans s for a sheet name (see SheetNames), without making it
// unique.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, norm.NFC.String(s))
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Trim(cutUTF16(strings.Trim(s, "' "), 31), "' ")
	return s
}

// cutUTF16 cuts s to at most n UTF-16 code units, as Excel counts a sheet
// name's characters.
func cutUTF16(s string, n int) string {
	used := 0
	for i, r := range s {
		used += utf16.RuneLen(r)
		if used > n {
			return s[:i]
		}
	}
	return s
}

// quoteSheet quotes a sheet name for a reference: 'Đơn vị'!$A$1.
func quoteSheet(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// The roles of cells, for their styles.
const (
	roleDocTitle = iota
	roleLine
	roleTableTitle
	roleHeader
	roleCell
	roleFooter
)

// styleKey says which style a cell takes.
type styleKey struct {
	role int
	kind Kind
	dec  int // decimals of a share or number
}

// cellKey returns the style of a cell of kind k holding v.
func cellKey(v any, k Kind, footer bool) styleKey {
	key := styleKey{role: roleCell, kind: k}
	if footer {
		key.role = roleFooter
	}
	if k == Share || k == Number {
		if f, ok := number(v); ok {
			key.dec = decimals(f)
		} else {
			key.dec = 1
		}
	}
	return key
}

// styles makes each style of the workbook once.
type styles struct {
	f   *excelize.File
	ids map[styleKey]int
}

func (s *styles) id(k styleKey) (int, error) {
	if id, ok := s.ids[k]; ok {
		return id, nil
	}
	id, err := s.f.NewStyle(k.style())
	if err != nil {
		return 0, err
	}
	s.ids[k] = id
	return id, nil
}

// style returns the excelize style of k.
func (k styleKey) style() *excelize.Style {
	font := &excelize.Font{Family: Font, Size: 12}
	st := &excelize.Style{Font: font}
	switch k.role {
	case roleDocTitle:
		font.Bold, font.Size = true, 14
		return st
	case roleLine:
		return st
	case roleTableTitle:
		font.Bold = true
		return st
	case roleHeader:
		font.Bold = true
		st.Alignment = &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	case roleFooter:
		font.Bold = true
	}
	st.Border = []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	if k.role == roleHeader {
		return st
	}
	var nf string
	switch k.kind {
	case Text:
		st.Alignment = &excelize.Alignment{Vertical: "center", WrapText: true}
		return st
	case Count:
		nf = fmtCount
	case Share:
		nf = "0." + strings.Repeat("0", k.dec) + "%"
	case Number:
		nf = "#,##0." + strings.Repeat("0", k.dec)
	case Date:
		nf = fmtDate
	case Time:
		nf = fmtTime
	}
	st.CustomNumFmt = &nf
	st.Alignment = &excelize.Alignment{Vertical: "center"}
	if k.kind == Date || k.kind == Time {
		st.Alignment.Horizontal = "center"
	}
	return st
}
