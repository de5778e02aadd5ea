// Package xlsx reads dossier events from the first sheet of an Excel
// workbook, with a header row (see package table). Date cells are read as
// local time in Asia/Ho_Chi_Minh.
package xlsx

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/table"
)

// Read reads events from the workbook in r and calls emit for every data row
// with the row's number (the header is row 1), its event and what is wrong
// with it, checked against codes.
func Read(r io.Reader, codes motcua.Codes, emit func(row int, e motcua.Event, errs []motcua.FieldError) error) error {
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true})
	if err != nil {
		return fmt.Errorf("cannot open workbook: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return errors.New("cannot read workbook: it has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return fmt.Errorf("cannot read sheet %q: %w", sheets[0], err)
	}
	defer rows.Close()
	var cols *table.Columns
	row := 0
	for rows.Next() {
		row++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("sheet %q, row %d: %w", sheets[0], row, err)
		}
		if cols == nil {
			if len(cells) == 0 {
				continue
			}
			if cols, err = table.Header(cells); err != nil {
				return fmt.Errorf("sheet %q, row %d: %w", sheets[0], row, err)
			}
			cols.SerialDates = true
			continue
		}
		if empty(cells) {
			continue
		}
		e, errs := cols.Event(row, cells)
		if errs == nil {
			errs = table.Validate(cols, row, &e, codes)
		}
		if err := emit(row, e, errs); err != nil {
			return err
		}
	}
	if cols == nil {
		return fmt.Errorf("cannot read sheet %q: it has no header row", sheets[0])
	}
	return rows.Error()
}

func empty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}
