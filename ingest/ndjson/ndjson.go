// Package ndjson reads and writes dossier events as newline-delimited JSON,
// the contract of DESIGN.md: one object per line, no field outside the
// contract.
package ndjson

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/motcua/motcua"
)

// DefaultMaxLine is the longest line a Scanner takes unless told otherwise.
const DefaultMaxLine = 64 << 10

// ErrLineTooLong is returned by Scanner.Err when a line is longer than the limit.
var ErrLineTooLong = errors.New("line too long")

// Scanner reads events line by line.
type Scanner struct {
	s    *bufio.Scanner
	line int
	max  int
	ev   motcua.Event
	errs []motcua.FieldError
	err  error
}

// NewScanner reads events from r; lines longer than maxLine bytes stop the
// scan with ErrLineTooLong.
func NewScanner(r io.Reader, maxLine int) *Scanner {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, min(64<<10, maxLine+1)), maxLine+1)
	return &Scanner{s: s, max: maxLine}
}

// Scan reads the next non-blank line. It returns false at the end of the
// input or on a read error (see Err).
func (s *Scanner) Scan() bool {
	for s.s.Scan() {
		s.line++
		b := bytes.TrimSpace(s.s.Bytes())
		if len(b) == 0 {
			continue
		}
		s.ev, s.errs = Parse(b)
		for i := range s.errs {
			s.errs[i].Line = s.line
		}
		return true
	}
	if err := s.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			s.err = fmt.Errorf("%w: line %d is longer than %d bytes", ErrLineTooLong, s.line+1, s.max)
		} else {
			s.err = fmt.Errorf("cannot read line %d: %w", s.line+1, err)
		}
	}
	return false
}

// Line returns the 1-based number of the line last scanned.
func (s *Scanner) Line() int { return s.line }

// Event returns the event of the line last scanned and what is wrong with its
// syntax; catalogue checks are the caller's (motcua.Event.Validate).
func (s *Scanner) Event() (motcua.Event, []motcua.FieldError) { return s.ev, s.errs }

// Err returns the error that stopped the scan, if any.
func (s *Scanner) Err() error { return s.err }

// Append writes e as one line of NDJSON, with its newline, to b.
func Append(b []byte, e *motcua.Event) []byte {
	b = append(b, `{"event_id":`...)
	b = strconv.AppendQuote(b, e.EventID)
	b = append(b, `,"dossier_id":`...)
	b = strconv.AppendQuote(b, e.DossierID)
	b = append(b, `,"type":"`...)
	b = append(b, e.Type...)
	b = append(b, `","at":"`...)
	b = e.At.AppendFormat(b, time.RFC3339)
	b = append(b, `","unit":`...)
	b = strconv.AppendQuote(b, e.Unit)
	b = append(b, `,"procedure":`...)
	b = strconv.AppendQuote(b, e.Procedure)
	if e.Official != "" {
		b = append(b, `,"official":`...)
		b = strconv.AppendQuote(b, e.Official)
	}
	if e.Channel != "" {
		b = append(b, `,"channel":"`...)
		b = append(b, e.Channel...)
		b = append(b, '"')
	}
	if !e.DueAt.IsZero() {
		b = append(b, `,"due_at":"`...)
		b = e.DueAt.AppendFormat(b, time.RFC3339)
		b = append(b, '"')
	}
	if e.ReturnChannel != "" {
		b = append(b, `,"return_channel":"`...)
		b = append(b, e.ReturnChannel...)
		b = append(b, '"')
	}
	if e.FeeVND != nil {
		b = append(b, `,"fee_vnd":`...)
		b = strconv.AppendInt(b, *e.FeeVND, 10)
	}
	if e.PaidOnline != nil {
		b = append(b, `,"paid_online":`...)
		b = strconv.AppendBool(b, *e.PaidOnline)
	}
	if e.Digitized != nil {
		b = append(b, `,"digitized":`...)
		b = strconv.AppendBool(b, *e.Digitized)
	}
	return append(b, "}\n"...)
}

// Read reads events from r and calls emit for every non-blank line with the
// line's number, its event and what is wrong with it, checked against codes.
// A non-nil error from emit stops the read and is returned.
func Read(r io.Reader, maxLine int, codes motcua.Codes, emit func(line int, e motcua.Event, errs []motcua.FieldError) error) error {
	s := NewScanner(r, maxLine)
	for s.Scan() {
		e, errs := s.Event()
		if errs == nil {
			errs = e.Validate(codes)
			for i := range errs {
				errs[i].Line = s.Line()
			}
		}
		if err := emit(s.Line(), e, errs); err != nil {
			return err
		}
	}
	return s.Err()
}
