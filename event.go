// Package motcua holds the domain of motcua: dossier events, the catalogues of
// units, procedures, officials, targets and holidays, and the rules every
// component shares. It imports nothing of the project and no driver.
package motcua

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"time"
	"unicode/utf8"
)

// EventType is what happened to a dossier.
type EventType string

// The event types of the contract (DESIGN.md).
const (
	Received            EventType = "received"
	Transferred         EventType = "transferred"
	SupplementRequested EventType = "supplement_requested"
	SupplementReceived  EventType = "supplement_received"
	Resolved            EventType = "resolved"
	Returned            EventType = "returned"
	Rejected            EventType = "rejected"
	Withdrawn           EventType = "withdrawn"
)

// EventTypes lists every event type in the order of a dossier's life.
var EventTypes = []EventType{Received, Transferred, SupplementRequested, SupplementReceived, Resolved, Returned, Rejected, Withdrawn}

// Valid reports whether t is a type of the contract.
func (t EventType) Valid() bool {
	for _, x := range EventTypes {
		if t == x {
			return true
		}
	}
	return false
}

// Channel is how a dossier was submitted.
type Channel string

// The submission channels.
const (
	Online Channel = "online"
	Direct Channel = "direct"
	Postal Channel = "postal"
)

// Valid reports whether c is a channel of the contract.
func (c Channel) Valid() bool { return c == Online || c == Direct || c == Postal }

// ReturnChannel is how the result reached the citizen.
type ReturnChannel string

// The return channels.
const (
	ReturnCounter ReturnChannel = "counter"
	ReturnPostal  ReturnChannel = "postal"
	ReturnOnline  ReturnChannel = "online"
)

// Valid reports whether c is a return channel of the contract.
func (c ReturnChannel) Valid() bool {
	return c == ReturnCounter || c == ReturnPostal || c == ReturnOnline
}

// Event is one thing that happened to a dossier, as a source reports it.
// Optional fields are nil (pointers) or empty (strings) when absent.
type Event struct {
	EventID       string        `json:"event_id"`
	DossierID     string        `json:"dossier_id"`
	Type          EventType     `json:"type"`
	At            time.Time     `json:"at"`
	Unit          string        `json:"unit"`
	Procedure     string        `json:"procedure"`
	Official      string        `json:"official,omitempty"`
	Channel       Channel       `json:"channel,omitempty"`
	DueAt         time.Time     `json:"due_at,omitzero"` // zero when the event carries no due date
	ReturnChannel ReturnChannel `json:"return_channel,omitempty"`
	FeeVND        *int64        `json:"fee_vnd,omitempty"`
	PaidOnline    *bool         `json:"paid_online,omitempty"`
	Digitized     *bool         `json:"digitized,omitempty"`
	// Source is the configured source the event came from; ingest sets it.
	Source string `json:"source,omitempty"`
}

// Stored says what storing one event did. An event is known by its source
// and its event_id (ids are unique at their source, not across sources).
type Stored uint8

// What storing an event can do.
const (
	StoredNew       Stored = iota // stored now
	StoredDuplicate               // the same event was stored before: not stored again
	StoredConflict                // another event with the same source and id is stored: this one is not
)

// ContentHash is a fingerprint of what the event says (every field of the
// contract, times to the second as stored, not the source): an event resent
// with the same id and the same hash is a duplicate, with another hash a
// conflict. It is never 0, which marks events stored before hashes were kept.
func (e *Event) ContentHash() uint64 {
	h := fnv.New64a()
	var buf [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	num := func(n int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(n))
		h.Write(buf[:])
	}
	sec := func(t time.Time) {
		if t.IsZero() {
			num(-1 << 62)
			return
		}
		num(t.Unix())
	}
	opt := func(b *bool) {
		switch {
		case b == nil:
			num(-1)
		case *b:
			num(1)
		default:
			num(0)
		}
	}
	str(e.EventID)
	str(e.DossierID)
	str(string(e.Type))
	sec(e.At)
	str(e.Unit)
	str(e.Procedure)
	str(e.Official)
	str(string(e.Channel))
	sec(e.DueAt)
	str(string(e.ReturnChannel))
	if e.FeeVND == nil {
		num(-1 << 62)
	} else {
		num(*e.FeeVND)
	}
	opt(e.PaidOnline)
	opt(e.Digitized)
	if s := h.Sum64(); s != 0 {
		return s
	}
	return 1
}

// Limits of the contract.
const (
	MaxEventIDLen   = 128
	MaxDossierIDLen = 64
	MaxCodeLen      = 64
)

// Earliest and Latest bound the times motcua stores.
var (
	Earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	Latest   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// FieldError says what is wrong with one field of one input line or row.
type FieldError struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error says the line, the field and the reason.
func (e FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: field %q: %s", e.Line, e.Field, e.Reason)
}

// Codes is what validation needs of the catalogue: whether a unit or
// procedure code is known.
type Codes interface {
	HasUnit(code string) bool
	HasProcedure(code string) bool
}

// OfficialCodes is what validation needs to check the official of an event:
// a catalogue that lists officials implements it, and validation refuses a
// code outside the list. A Codes without it takes any official.
type OfficialCodes interface {
	KnowsOfficial(code string) bool
}

// UnitSpans is what validation needs to refuse a dossier received by a
// unit outside its life: a catalogue implements it.
type UnitSpans interface {
	ReceivesAt(code string, t time.Time) error
}

// Validate checks e against the contract and the catalogue and returns one
// FieldError per problem, with Line left zero for the caller to fill.
func (e *Event) Validate(c Codes) []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	checkID := func(field, v string, max int) {
		switch {
		case v == "":
			bad(field, "is required")
		case !utf8.ValidString(v):
			bad(field, "is not valid UTF-8")
		case utf8.RuneCountInString(v) > max:
			bad(field, "is longer than %d characters", max)
		}
	}
	checkID("event_id", e.EventID, MaxEventIDLen)
	checkID("dossier_id", e.DossierID, MaxDossierIDLen)
	if e.Type == "" {
		bad("type", "is required")
	} else if !e.Type.Valid() {
		bad("type", "unknown type %q; want one of received, transferred, supplement_requested, supplement_received, resolved, returned, rejected, withdrawn", e.Type)
	}
	checkTime := func(field string, t time.Time) {
		if t.Before(Earliest) || !t.Before(Latest) {
			bad(field, "time %s is outside 2000-2099", t.Format(time.RFC3339))
		}
	}
	if e.At.IsZero() {
		bad("at", "is required")
	} else {
		checkTime("at", e.At)
	}
	if !e.DueAt.IsZero() {
		checkTime("due_at", e.DueAt)
	}
	if e.Unit == "" {
		bad("unit", "is required")
	} else if c != nil && !c.HasUnit(e.Unit) {
		bad("unit", "unknown unit %q: not in the unit catalogue", e.Unit)
	} else if us, ok := c.(UnitSpans); ok && e.Type == Received && !e.At.IsZero() {
		if err := us.ReceivesAt(e.Unit, e.At); err != nil {
			bad("unit", "%v", err)
		}
	}
	if e.Procedure == "" {
		bad("procedure", "is required")
	} else if c != nil && !c.HasProcedure(e.Procedure) {
		bad("procedure", "unknown procedure %q: not in the procedure catalogue", e.Procedure)
	}
	if len(e.Official) > MaxCodeLen {
		bad("official", "is longer than %d characters", MaxCodeLen)
	} else if oc, ok := c.(OfficialCodes); ok && e.Official != "" && !oc.KnowsOfficial(e.Official) {
		bad("official", "unknown official %q: not in the official catalogue", e.Official)
	}
	if e.Type == Received {
		if e.Channel == "" {
			bad("channel", "is required on a received event")
		} else if !e.Channel.Valid() {
			bad("channel", "unknown channel %q; want online, direct or postal", e.Channel)
		}
	} else if e.Channel != "" {
		bad("channel", "is allowed only on a received event, not on %q", e.Type)
	}
	if e.Type == Returned {
		if e.ReturnChannel != "" && !e.ReturnChannel.Valid() {
			bad("return_channel", "unknown return channel %q; want counter, postal or online", e.ReturnChannel)
		}
	} else if e.ReturnChannel != "" {
		bad("return_channel", "is allowed only on a returned event, not on %q", e.Type)
	}
	if e.FeeVND != nil && *e.FeeVND < 0 {
		bad("fee_vnd", "is negative: %d", *e.FeeVND)
	}
	return errs
}
