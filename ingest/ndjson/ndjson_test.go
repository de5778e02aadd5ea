package ndjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

func TestParseErrors(t *testing.T) {
	f := func(line, field, reason string) {
		t.Helper()
		_, errs := Parse([]byte(line))
		for _, e := range errs {
			if e.Field == field && strings.Contains(e.Reason, reason) {
				return
			}
		}
		t.Errorf("Parse(%s): got %v, want field %q with %q", line, errs, field, reason)
	}
	f(`{"event_id":"e","ho_ten":"Nguyễn Văn A"}`, "ho_ten", "not a field of the event contract")
	f(`{"event_id":"e","at":"2022-03-01T08:00:00"}`, "at", "has no UTC offset")
	f(`{"event_id":"e","due_at":"2022-03-01"}`, "due_at", "date without a time")
	f(`{"event_id":"e","at":"hôm qua"}`, "at", "want RFC 3339")
	f(`{"event_id":"e","fee_vnd":"10000"}`, "fee_vnd", "want a JSON whole number")
	f(`{"event_id":"e","paid_online":"yes"}`, "paid_online", "boolean")
	f(`{"event_id":"e",`, "", "invalid JSON")
	f(`{"event_id":"e"} {"event_id":"f"}`, "", "more than one JSON value")
	f(`[1,2]`, "", "")
	// Invalid UTF-8, raw or as a lone surrogate escape, is refused: turned
	// into U+FFFD it would make two different ids one.
	f("{\"event_id\":\"a\xff\"}", "event_id", "not valid UTF-8")
	f("{\"event_id\":\"a\xfe\\n\"}", "event_id", "not valid UTF-8")
	f(`{"dossier_id":"\ud800x"}`, "dossier_id", "not valid UTF-8")
	f("{\"unit\":\"P\xc3\"}", "unit", "not valid UTF-8")
}

// The id limits count characters, not bytes: 128 Vietnamese letters of two
// or three bytes each are a valid event_id, 129 are not.
func TestIDLengthInCharacters(t *testing.T) {
	check := func(id string) []motcua.FieldError {
		e := motcua.Event{EventID: id, DossierID: "d", Type: motcua.Resolved, At: time.Date(2022, 3, 1, 8, 0, 0, 0, motcua.Location),
			Unit: "P1", Procedure: "XA.001"}
		return e.Validate(nil)
	}
	if errs := check(strings.Repeat("ờ", 128)); errs != nil {
		t.Errorf("128 characters (%d bytes): %v", len(strings.Repeat("ờ", 128)), errs)
	}
	if errs := check(strings.Repeat("ờ", 129)); len(errs) != 1 || errs[0].Field != "event_id" {
		t.Errorf("129 characters: got %v, want one event_id error", errs)
	}
}

func TestRoundTrip(t *testing.T) {
	fee := int64(30000)
	yes := true
	due := time.Date(2022, 3, 4, 17, 0, 0, 0, motcua.Location)
	in := motcua.Event{EventID: "e-1", DossierID: "000.00.12.H59-220301-0001", Type: motcua.Received,
		At: time.Date(2022, 3, 1, 8, 0, 5, 0, motcua.Location), Unit: "P1", Procedure: "XA.001", Official: "CB.P1.01",
		Channel: motcua.Online, DueAt: due, FeeVND: &fee, PaidOnline: &yes, Digitized: &yes}
	line := Append(nil, &in)
	out, errs := Parse(line[:len(line)-1])
	if errs != nil {
		t.Fatal(errs)
	}
	if !out.At.Equal(in.At) || !out.DueAt.Equal(in.DueAt) || out.EventID != in.EventID || out.Channel != in.Channel ||
		*out.FeeVND != fee || !*out.PaidOnline || !*out.Digitized || out.Official != in.Official {
		t.Errorf("round trip: got %+v, want %+v", out, in)
	}
}

func TestScannerNFCAndLines(t *testing.T) {
	nfc := "Tr\u01b0\u1eddng" // "Trường", precomposed
	decomposed := "Tru\u031bo\u031b\u0300ng"
	in := "\n" + `{"event_id":"` + decomposed + `","at":"2022-03-01T08:00:00+07:00"}` + "\n\n" + `{"event_id":1}` + "\n"
	s := NewScanner(strings.NewReader(in), 0)
	if !s.Scan() {
		t.Fatal("no first line")
	}
	e, errs := s.Event()
	if errs != nil || e.EventID != nfc || s.Line() != 2 {
		t.Errorf("first line: got %q %v at line %d, want %q at line 2", e.EventID, errs, s.Line(), nfc)
	}
	if !s.Scan() {
		t.Fatal("no second line")
	}
	if _, errs := s.Event(); len(errs) != 1 || errs[0].Line != 4 || errs[0].Field != "event_id" {
		t.Errorf("second line errors: %v", errs)
	}
	if s.Scan() || s.Err() != nil {
		t.Errorf("after the end: %v", s.Err())
	}
}

func TestScannerLineTooLong(t *testing.T) {
	s := NewScanner(strings.NewReader(`{"event_id":"`+strings.Repeat("x", 200)+`"}`), 100)
	for s.Scan() {
	}
	if !errors.Is(s.Err(), ErrLineTooLong) {
		t.Errorf("got %v, want ErrLineTooLong", s.Err())
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"event_id":"e","dossier_id":"d","type":"received","at":"2022-03-01T08:00:00+07:00","unit":"P1","procedure":"XA.001","channel":"online"}`))
	f.Add([]byte(`{"fee_vnd":-1,"paid_online":null}`))
	f.Add([]byte(`{"at":"2022-03-01T08:00:00"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, errs := Parse(b)
		if errs != nil {
			for _, fe := range errs {
				if fe.Reason == "" {
					t.Fatalf("field error without a reason: %+v", fe)
				}
			}
			return
		}
		_ = e.Validate(nil)
		line := Append(nil, &e)
		if _, errs := Parse(line[:len(line)-1]); errs != nil && !e.At.IsZero() {
			t.Fatalf("re-parse of %q: %v", line, errs)
		}
	})
}

// FuzzParseAgainstEncodingJSON checks the parser against encoding/json: what
// encoding/json reads as an object of contract fields, Parse reads the same.
func FuzzParseAgainstEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"event_id":"a\u00e9\ud83d\ude00\"b","unit":"P1","fee_vnd":-12,"paid_online":false,"official":null}`))
	f.Add([]byte(`{"event_id":"\ud800x","dossier_id":"\/\b\f\n\r\t"}`))
	f.Add([]byte(` { "type" : "received" , "channel":"online" } `))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			return
		}
		e, errs := Parse(b)
		for _, fe := range errs {
			if strings.HasPrefix(fe.Reason, "invalid JSON") || strings.HasPrefix(fe.Reason, "more than one") {
				t.Fatalf("encoding/json reads %q but Parse says %v", b, fe)
			}
		}
		if errs != nil {
			return
		}
		for k, raw := range m {
			var want string
			if json.Unmarshal(raw, &want) != nil {
				continue
			}
			got := map[string]string{"event_id": e.EventID, "dossier_id": e.DossierID, "unit": e.Unit, "procedure": e.Procedure,
				"official": e.Official, "type": string(e.Type), "channel": string(e.Channel), "return_channel": string(e.ReturnChannel)}
			if g, ok := got[k]; ok && g != motcua.NFC(want) {
				t.Fatalf("field %s of %q: Parse gives %q, encoding/json %q", k, b, g, want)
			}
		}
	})
}
