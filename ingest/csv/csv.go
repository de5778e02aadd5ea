// Package csv reads dossier events from a CSV file in UTF-8, separated by
// commas or semicolons, with a header row (see package table).
package csv

import (
	"bufio"
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/table"
)

// Read reads events from r and calls emit for every data row with the row's
// number (the header is row 1), its event and what is wrong with it, checked
// against codes. A non-nil error from emit stops the read and is returned.
func Read(r io.Reader, codes motcua.Codes, emit func(row int, e motcua.Event, errs []motcua.FieldError) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return errors.New("cannot read CSV: the file is UTF-16; save it as \"CSV UTF-8\"")
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
		br.Discard(3)
	}
	cr := stdcsv.NewReader(br)
	first, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("cannot read CSV: the file is empty")
		}
		return fmt.Errorf("cannot read CSV header: %w", err)
	}
	cols, err := table.Header(hdr)
	if err != nil {
		return fmt.Errorf("row 1: %w", err)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *stdcsv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("row %d: cannot read CSV: %w", pe.StartLine, pe.Err)
			}
			return fmt.Errorf("cannot read CSV: %w", err)
		}
		row, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		var errs []motcua.FieldError
		for i, v := range rec {
			if !utf8.ValidString(v) {
				errs = append(errs, motcua.FieldError{Line: row, Field: fmt.Sprintf("column %d", i+1), Reason: "is not UTF-8; save the file as \"CSV UTF-8\""})
			}
		}
		e, ferrs := cols.Event(row, rec)
		errs = append(errs, ferrs...)
		if errs == nil {
			errs = table.Validate(cols, row, &e, codes)
		}
		if err := emit(row, e, errs); err != nil {
			return err
		}
	}
}

func blank(rec []string) bool {
	for _, v := range rec {
		if v != "" {
			return false
		}
	}
	return true
}
