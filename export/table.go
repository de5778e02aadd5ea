// Package export holds the tables that motcua's pages and reports show, and
// renders them as files people open in Excel and LibreOffice: XLSX (one sheet
// per table, numbers as numbers) and CSV (UTF-8 with a byte-order mark). A
// page, its XLSX and its CSV render the same Table, so a file holds exactly
// the page's numbers; FormatCell writes a cell for the page in Vietnamese
// format (2.329; 49,1%; 27/12/2022).
package export

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// Kind is what a column holds, which decides how its cells are checked,
// formatted on a page and stored in a file.
type Kind int

// The kinds of column.
const (
	// Text is a string, written as is (and always as text in files).
	Text Kind = iota
	// Count is a non-negative whole number of any Go integer type: 2.329.
	Count
	// Share is a percentage, as a float64 or an integer: 49.1 means 49,1%.
	Share
	// Number is any other number, as a float64 or an integer: 1.234,5.
	Number
	// Date is a calendar day, a time.Time read in Asia/Ho_Chi_Minh: 27/12/2022.
	Date
	// Time is a moment to the minute, a time.Time read in Asia/Ho_Chi_Minh:
	// 27/12/2022 08:30.
	Time
)

// String returns the kind's name as error messages use it.
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Count:
		return "count"
	case Share:
		return "share"
	case Number:
		return "number"
	case Date:
		return "date"
	case Time:
		return "time"
	}
	return fmt.Sprintf("kind %d", int(k))
}

// Column is a column of a table.
type Column struct {
	// Key names the column for code (a JSON field, a sort key); files do not
	// show it.
	Key string
	// Title is the column's header, in Vietnamese; long titles wrap in XLSX.
	Title string
	// Kind is what the column's cells hold.
	Kind Kind
	// Width is the column's width in XLSX, in Excel's character units; 0
	// fits it to the column's longest cell and title.
	Width float64
}

// Cell is one cell of a table.
type Cell struct {
	// Value is the cell's value, of a Go type that fits its column's Kind
	// (see Table.Check), or nil for an empty cell.
	Value any
	// Link is the page the cell opens (a drill-through to the dossiers
	// behind a figure); files ignore it.
	Link string
}

// Group is a header cell above Span adjacent columns, merged across them, in
// a header row above the column titles (as form 06 has). A Group with an
// empty Title puts no cell above its columns: their titles are merged down
// over both header rows, as are those of the columns after the last group.
type Group struct {
	Title string
	Span  int
}

// Table is a table of a page or report.
type Table struct {
	// Name is the table's machine name, as ?table=NAME asks for it: one or
	// more of a-z, 0-9 and _.
	Name string
	// Title is the table's Vietnamese title, shown above it; XLSX names the
	// table's sheet from it.
	Title   string
	Columns []Column
	// Groups, when not empty, adds a header row above the column titles.
	Groups []Group
	// Rows are the data rows, each with one cell per column.
	Rows [][]Cell
	// Footer, when not empty, is a total row with one cell per column.
	Footer []Cell
}

// Doc is what a page or report exports: a title, lines under it (the unit,
// period and filters) and its tables.
type Doc struct {
	// Title is the document's title, e.g. "Tổng quan: Thị xã Duyên Hải".
	Title string
	// Lines are shown under the title, e.g. "Kỳ: Năm 2022 (01/01/2022 –
	// 31/12/2022)" and "Lọc: kênh trực tuyến".
	Lines  []string
	Tables []*Table
}

// Table returns the document's table named name.
func (d *Doc) Table(name string) (*Table, bool) {
	for _, t := range d.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// TableError says what is wrong with a table, and where: its message reads
// `table "units": row 3, column "Trực tuyến": want a count, got string "x"`.
type TableError struct {
	// Table is the table's name.
	Table string
	// Row is the 1-based data row, 0 when the error is not about a row.
	Row int
	// Footer is true when the error is about the footer row.
	Footer bool
	// Column is the column's title, "" when the error is not about a cell.
	Column string
	// Msg says what is wrong.
	Msg string
}

// Error returns the error's message.
func (e *TableError) Error() string {
	var where []string
	switch {
	case e.Footer:
		where = append(where, "footer")
	case e.Row > 0:
		where = append(where, fmt.Sprintf("row %d", e.Row))
	}
	if e.Column != "" {
		where = append(where, fmt.Sprintf("column %q", e.Column))
	}
	parts := []string{fmt.Sprintf("table %q", e.Table)}
	if len(where) > 0 {
		parts = append(parts, strings.Join(where, ", "))
	}
	return strings.Join(append(parts, e.Msg), ": ")
}

var nameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// minDate is the first day that Excel's 1900 date system stores right
// (Excel counts a 29 February 1900 that never was).
var minDate = time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)

// maxDate is the day after the last that Excel stores.
var maxDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)

// Check says whether the table can be rendered: its name is one or more of
// a-z, 0-9 and _; the groups span at most its columns, each at least one;
// every row (and the footer, if any) has one cell per column; and each
// cell's value fits its column's kind: Text a string; Count a non-negative
// value of an integer type; Share and Number a finite float64 or an integer;
// Date and Time a time.Time from 1 March 1900 to 9999, the days Excel
// stores. A nil value is an empty cell of any kind. The error is a
// *TableError, whose message names the table, the row and the column.
func (t *Table) Check() error {
	if !nameRE.MatchString(t.Name) {
		return &TableError{Table: t.Name, Msg: "the name must be one or more of a-z, 0-9 and _"}
	}
	if len(t.Columns) == 0 {
		return &TableError{Table: t.Name, Msg: "the table has no column"}
	}
	span := 0
	for i, g := range t.Groups {
		if g.Span < 1 {
			return &TableError{Table: t.Name, Msg: fmt.Sprintf("group %d (%q) spans %d columns, want at least 1", i+1, g.Title, g.Span)}
		}
		span += g.Span
	}
	if span > len(t.Columns) {
		return &TableError{Table: t.Name, Msg: fmt.Sprintf("the groups span %d columns, but the table has %d", span, len(t.Columns))}
	}
	for i, row := range t.Rows {
		if err := t.checkRow(row, i+1, false); err != nil {
			return err
		}
	}
	if len(t.Footer) > 0 {
		if err := t.checkRow(t.Footer, 0, true); err != nil {
			return err
		}
	}
	return nil
}

func (t *Table) checkRow(row []Cell, n int, footer bool) error {
	if len(row) != len(t.Columns) {
		return &TableError{Table: t.Name, Row: n, Footer: footer, Msg: fmt.Sprintf("has %d cells, want %d", len(row), len(t.Columns))}
	}
	for j, c := range row {
		if msg := checkValue(c.Value, t.Columns[j].Kind); msg != "" {
			return &TableError{Table: t.Name, Row: n, Footer: footer, Column: t.Columns[j].Title, Msg: msg}
		}
	}
	return nil
}

// checkValue returns what is wrong with v as a value of kind k, "" if
// nothing is.
func checkValue(v any, k Kind) string {
	if v == nil {
		return ""
	}
	ok := false
	switch k {
	case Text:
		_, ok = v.(string)
	case Count:
		n, isInt := integer(v)
		ok = isInt && n >= 0
	case Share, Number:
		f, isNum := number(v)
		ok = isNum && !math.IsNaN(f) && !math.IsInf(f, 0)
	case Date, Time:
		var tm time.Time
		tm, ok = v.(time.Time)
		ok = ok && !tm.Before(minDate) && tm.Before(maxDate)
	default:
		return fmt.Sprintf("unknown kind %d", int(k))
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("want %s, got %s", want[k], describe(v))
}

var want = map[Kind]string{
	Text:   "a string",
	Count:  "a count (a non-negative integer)",
	Share:  "a share (a finite number)",
	Number: "a finite number",
	Date:   "a date (a time.Time from 01/03/1900 to 31/12/9999)",
	Time:   "a time (a time.Time from 01/03/1900 to 31/12/9999)",
}

// describe writes a value's type and the value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case time.Time:
		return "time.Time " + v.Format(time.RFC3339)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// integer returns v as an int64-ranged or uint64 value: ok is false when v
// is not of an integer type. Values past math.MaxInt64 come back as
// math.MaxInt64, which is enough to compare them with zero.
func integer(v any) (n int64, ok bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		return clampUint(uint64(v)), true
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		return clampUint(v), true
	}
	return 0, false
}

func clampUint(u uint64) int64 {
	if u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

// number returns v as a float64: ok is false when v is neither a float64 nor
// of an integer type.
func number(v any) (f float64, ok bool) {
	if f, ok := v.(float64); ok {
		return f, true
	}
	if u, ok := v.(uint64); ok {
		return float64(u), true
	}
	if u, ok := v.(uint); ok {
		return float64(u), true
	}
	n, ok := integer(v)
	return float64(n), ok
}

// Check checks every table of the document (see Table.Check) and that no two
// have the same name. The error is a *TableError but for a nil table.
func (d *Doc) Check() error {
	seen := make(map[string]bool, len(d.Tables))
	for i, t := range d.Tables {
		if t == nil {
			return fmt.Errorf("table %d of the document is nil", i+1)
		}
		if err := t.Check(); err != nil {
			return err
		}
		if seen[t.Name] {
			return &TableError{Table: t.Name, Msg: "another table of the document has the same name"}
		}
		seen[t.Name] = true
	}
	return nil
}
