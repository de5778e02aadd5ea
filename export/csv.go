package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// bom is the UTF-8 byte-order mark, by which Excel knows a CSV file's
// encoding (without it Excel reads the diacritics as Windows-1258).
const bom = "\uFEFF"

// WriteCSV writes the table t as CSV: UTF-8 with a byte-order mark, fields
// separated by commas and quoted as RFC 4180 says, lines ended by CRLF; a
// header row of the column titles, the rows, then the footer if any. Groups
// are left out: CSV has one header row. A line break inside a field is
// written CRLF (encoding/csv drops a lone CR).
//
// Values are written in a locale-free form, so that any program and any
// locale reads the same numbers: a count as plain digits (2329); a share as
// the percentage with a decimal point and the decimals the page shows (49.1
// for 49,1%); a number the same way (1234.5); a date as 2022-12-27 and a time
// as 2022-12-27 08:30 (ISO 8601, in Asia/Ho_Chi_Minh). Not "49,1" and not
// "27/12/2022": a comma decimal would be read as 491 (or as text) by an
// English-locale Excel, and a day-first date may be read month-first, both
// silently; a decimal point is read right by English-locale spreadsheets and
// by programs, and ISO dates are read as dates by Excel and LibreOffice in
// every locale. With Vietnamese regional settings (decimal comma), Excel and
// LibreOffice read a share such as 49.1 as text unless the import is told
// the column is English (US): people who open files in a spreadsheet should
// take the XLSX, which stores numbers as numbers in every locale.
//
// A text field that begins with =, +, -, @, a tab or a carriage return is
// written with a single quote before it, as OWASP recommends against CSV
// injection ("=HYPERLINK(...)" is written '=HYPERLINK(...)), so that a
// spreadsheet shows it as text and never runs it as a formula. Numbers and
// dates are never prefixed: they are written by this package.
func WriteCSV(w io.Writer, t *Table) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("cannot write %w", err)
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("cannot write table %q: %w", t.Name, err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, len(t.Columns))
	for j, c := range t.Columns {
		rec[j] = guardCSV(c.Title)
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("cannot write table %q: %w", t.Name, err)
	}
	write := func(row []Cell) error {
		for j, c := range row {
			rec[j] = csvValue(c.Value, t.Columns[j].Kind)
		}
		return cw.Write(rec)
	}
	for _, row := range t.Rows {
		if err := write(row); err != nil {
			return fmt.Errorf("cannot write table %q: %w", t.Name, err)
		}
	}
	if len(t.Footer) > 0 {
		if err := write(t.Footer); err != nil {
			return fmt.Errorf("cannot write table %q: %w", t.Name, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cannot write table %q: %w", t.Name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write table %q: %w", t.Name, err)
	}
	return nil
}

// csvValue writes a checked value for CSV (see WriteCSV).
func csvValue(v any, k Kind) string {
	if v == nil {
		return ""
	}
	switch k {
	case Count:
		if u, ok := v.(uint64); ok {
			return strconv.FormatUint(u, 10)
		}
		n, _ := integer(v)
		return strconv.FormatInt(n, 10)
	case Share, Number:
		f, _ := number(v)
		return decimalString(f)
	case Date:
		return wallClock(v.(time.Time), k).Format("2006-01-02")
	case Time:
		return wallClock(v.(time.Time), k).Format("2006-01-02 15:04")
	}
	return guardCSV(v.(string))
}

// decimalString writes f with a decimal point and the decimals a page shows
// (see FormatCell): 49.1, 1234.5, 50.0.
func decimalString(f float64) string {
	s := strconv.FormatFloat(f, 'f', decimals(f), 64)
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") == "" {
		s = s[1:]
	}
	return s
}

// guardCSV puts a single quote before a field that a spreadsheet would take
// for a formula.
func guardCSV(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
