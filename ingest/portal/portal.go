// Package portal reads the dossier sync records of the national
// public-service portal (Cổng Dịch vụ công quốc gia) and turns each record, a
// snapshot of one dossier, into the events it implies.
//
// The mapping, with times as yyyyMMddHHmmss in Asia/Ho_Chi_Minh:
//
//	NgayTiepNhan                 → received, channel from KenhThucHien (1 direct, 2 online, 3 postal), due_at NgayHenTra
//	TrangThaiHoSo 9 or 10        → resolved at NgayKetThucXuLy (NgayTra when it is empty)
//	TrangThaiHoSo 10 and NgayTra → returned at NgayTra, by post when KenhThucHien is 3, else at the counter
//	TrangThaiHoSo 3              → rejected at NgayKetThucXuLy (else NgayTra, else NgayTiepNhan)
//	TrangThaiHoSo 7              → withdrawn, at the same time as a rejection
//
// Each event's id is "portal/" + MaHoSo + "/" + its type, so a later snapshot of
// the same dossier adds only the events that are new. The unit is MaDonVi or
// DonViXuLy (a unit code or name), else the default the caller gives. Other
// fields of the record, personal data among them, are not read.
package portal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// Catalog is what the reader needs of the catalogue.
type Catalog interface {
	motcua.Codes
	FindUnit(s string) (motcua.Unit, bool)
}

// Record is one portal sync record; only the fields motcua reads.
type Record struct {
	MaHoSo          string `json:"MaHoSo"`
	MaTTHC          string `json:"MaTTHC"`
	MaDonVi         string `json:"MaDonVi"`
	DonViXuLy       string `json:"DonViXuLy"`
	KenhThucHien    flex   `json:"KenhThucHien"`
	NgayTiepNhan    string `json:"NgayTiepNhan"`
	NgayHenTra      string `json:"NgayHenTra"`
	NgayKetThucXuLy string `json:"NgayKetThucXuLy"`
	NgayTra         string `json:"NgayTra"`
	TrangThaiHoSo   flex   `json:"TrangThaiHoSo"`
}

// flex is a whole number that the portal writes as a number or a string.
type flex struct {
	n   int
	set bool
}

// UnmarshalJSON reads a number or a string of digits.
func (f *flex) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("want a number, got %s", b)
	}
	f.n, f.set = n, true
	return nil
}

// Read reads records from r, a JSON array or a stream of JSON objects (one a
// line or not), and calls emit for every record with its 1-based number, the
// events it implies and what is wrong with it. defaultUnit is used when a
// record names no unit.
func Read(r io.Reader, cat Catalog, defaultUnit string, emit func(record int, evs []motcua.Event, errs []motcua.FieldError) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	d := json.NewDecoder(br)
	array := false
	if b, err := peekNonSpace(br); err == nil && b == '[' {
		if _, err := d.Token(); err != nil {
			return fmt.Errorf("cannot read portal records: %w", err)
		}
		array = true
	}
	for n := 1; ; n++ {
		if array && !d.More() {
			return nil
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) && !array {
				return nil
			}
			return fmt.Errorf("record %d: cannot read JSON: %w", n, err)
		}
		var rec Record
		if err := json.Unmarshal(raw, &rec); err != nil {
			var te *json.UnmarshalTypeError
			field := ""
			if errors.As(err, &te) {
				field = te.Field
			}
			if err := emit(n, nil, []motcua.FieldError{{Line: n, Field: field, Reason: err.Error()}}); err != nil {
				return err
			}
			continue
		}
		evs, errs := rec.Events(cat, defaultUnit)
		for i := range errs {
			errs[i].Line = n
		}
		if err := emit(n, evs, errs); err != nil {
			return err
		}
	}
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			return 0, err
		}
		c := b[i-1]
		if c == 0xef && i == 1 { // a UTF-8 BOM
			if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
				br.Discard(3)
				i = 0
				continue
			}
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

// Status codes of TrangThaiHoSo that motcua maps.
const (
	statusNotAccepted = 3
	statusWithdrawn   = 7
	statusResolved    = 9
	statusReturned    = 10
)

// Events returns the events the record implies, checked against the catalogue.
func (r *Record) Events(cat Catalog, defaultUnit string) ([]motcua.Event, []motcua.FieldError) {
	var errs []motcua.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, motcua.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	id := motcua.NFC(strings.TrimSpace(r.MaHoSo))
	if id == "" {
		bad("MaHoSo", "is required")
	}
	unit, unitField := defaultUnit, "--unit"
	for _, f := range []struct{ name, v string }{{"MaDonVi", r.MaDonVi}, {"DonViXuLy", r.DonViXuLy}} {
		if strings.TrimSpace(f.v) == "" {
			continue
		}
		u, ok := cat.FindUnit(f.v)
		if !ok {
			bad(f.name, "unknown unit %q: neither a code nor a name in the unit catalogue", f.v)
		}
		unit, unitField = u.Code, f.name
		break
	}
	if unit == "" {
		bad("DonViXuLy", "the record names no unit and no default unit was given (--unit)")
	}
	var ch motcua.Channel
	switch r.KenhThucHien.n {
	case 1:
		ch = motcua.Direct
	case 2:
		ch = motcua.Online
	case 3:
		ch = motcua.Postal
	default:
		bad("KenhThucHien", "want 1 (direct), 2 (online) or 3 (postal), got %d", r.KenhThucHien.n)
	}
	if !r.TrangThaiHoSo.set || r.TrangThaiHoSo.n < 1 || r.TrangThaiHoSo.n > 10 {
		bad("TrangThaiHoSo", "want a status 1 to 10, got %d", r.TrangThaiHoSo.n)
	}
	times := map[string]time.Time{}
	for _, f := range []struct{ name, v string }{{"NgayTiepNhan", r.NgayTiepNhan}, {"NgayHenTra", r.NgayHenTra},
		{"NgayKetThucXuLy", r.NgayKetThucXuLy}, {"NgayTra", r.NgayTra}} {
		if strings.TrimSpace(f.v) == "" {
			continue
		}
		t, err := time.ParseInLocation("20060102150405", strings.TrimSpace(f.v), motcua.Location)
		if err != nil {
			bad(f.name, "want a time yyyyMMddHHmmss, got %q", f.v)
			continue
		}
		times[f.name] = t
	}
	if _, ok := times["NgayTiepNhan"]; !ok && r.NgayTiepNhan == "" {
		bad("NgayTiepNhan", "is required")
	}
	if errs != nil {
		return nil, errs
	}
	base := motcua.Event{DossierID: id, Unit: unit, Procedure: motcua.NFC(strings.TrimSpace(r.MaTTHC)), Source: ""}
	mk := func(t motcua.EventType, at time.Time) motcua.Event {
		e := base
		e.EventID, e.Type, e.At = "portal/"+id+"/"+string(t), t, at
		return e
	}
	recv := mk(motcua.Received, times["NgayTiepNhan"])
	recv.Channel, recv.DueAt = ch, times["NgayHenTra"]
	evs := []motcua.Event{recv}
	end := func(names ...string) (time.Time, bool) {
		for _, n := range names {
			if t, ok := times[n]; ok {
				return t, true
			}
		}
		return time.Time{}, false
	}
	switch s := r.TrangThaiHoSo.n; s {
	case statusResolved, statusReturned:
		if t, ok := end("NgayKetThucXuLy", "NgayTra"); ok {
			evs = append(evs, mk(motcua.Resolved, t))
		} else {
			bad("NgayKetThucXuLy", "is required when TrangThaiHoSo is %d (resolved)", s)
		}
		if t, ok := times["NgayTra"]; ok && s == statusReturned {
			e := mk(motcua.Returned, t)
			e.ReturnChannel = motcua.ReturnCounter
			if ch == motcua.Postal {
				e.ReturnChannel = motcua.ReturnPostal
			}
			evs = append(evs, e)
		}
	case statusNotAccepted, statusWithdrawn:
		t, _ := end("NgayKetThucXuLy", "NgayTra", "NgayTiepNhan")
		typ := motcua.Rejected
		if s == statusWithdrawn {
			typ = motcua.Withdrawn
		}
		evs = append(evs, mk(typ, t))
	}
	names := map[string]string{"dossier_id": "MaHoSo", "procedure": "MaTTHC", "unit": unitField, "channel": "KenhThucHien", "due_at": "NgayHenTra"}
	seen := map[motcua.FieldError]bool{}
	for i := range evs {
		for _, fe := range evs[i].Validate(cat) {
			if n, ok := names[fe.Field]; ok {
				fe.Field = n
			}
			if !seen[fe] {
				seen[fe] = true
				errs = append(errs, fe)
			}
		}
	}
	if errs != nil {
		return nil, errs
	}
	return evs, nil
}
