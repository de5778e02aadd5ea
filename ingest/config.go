package ingest

import (
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/ingest/ndjson"
)

// Config sets the limits and the sources of the events endpoint.
type Config struct {
	// Tokens maps a bearer token to the source it authenticates.
	Tokens map[string]string
	// MaxBody caps the request body as sent (compressed or not), in bytes.
	MaxBody int64
	// MaxUncompressed caps a gzip body once inflated, in bytes.
	MaxUncompressed int64
	// MaxLine caps one NDJSON line, in bytes.
	MaxLine int
	// MaxErrors caps the field errors returned for one request.
	MaxErrors int
	// InsertTimeout bounds one insert into ClickHouse (DefaultInsertTimeout
	// when zero): past it the request gets 503 instead of hanging on a
	// stalled ClickHouse.
	InsertTimeout time.Duration
	// MaxEvents caps the lines (events, valid or not) of one request: the
	// read stops with 413 as soon as the count passes it, so that the events
	// a request holds in memory are bounded whatever the body.
	MaxEvents int
	// MaxConcurrent caps the requests being read or stored at once; past it
	// a request is answered 503 with Retry-After at once, never queued.
	// With MaxEvents it bounds the memory that ingest takes.
	MaxConcurrent int
}

// DefaultConfig returns the limits used unless configured otherwise.
//
// MaxUncompressed is 64 MiB: 100,000 events of the contract take 20 to 40 MB
// as NDJSON, so a larger inflated body cannot be a valid batch, and the cap
// bounds the time a request can spend inflating a gzip bomb. Memory does
// not depend on it (the body is read as a stream); it depends on MaxEvents
// and MaxConcurrent.
func DefaultConfig() Config {
	return Config{MaxBody: 32 << 20, MaxUncompressed: 64 << 20, MaxLine: ndjson.DefaultMaxLine, MaxErrors: 1000,
		MaxEvents: 100_000, MaxConcurrent: 16}
}

// Answer is the JSON body of every answer of the events endpoint.
type Answer struct {
	Accepted   int                 `json:"accepted"`
	Duplicates int                 `json:"duplicates"`
	Conflicts  int                 `json:"conflicts"`
	Rejected   int                 `json:"rejected"`
	Errors     []motcua.FieldError `json:"errors,omitempty"`
	// Conflicting names the line of each conflict: an event whose source and
	// event_id are stored already with other content. It is not stored.
	Conflicting []motcua.FieldError `json:"conflicting,omitempty"`
	// MoreErrors counts the errors left out of Errors past the cap.
	MoreErrors int    `json:"more_errors,omitempty"`
	Error      string `json:"error,omitempty"`
}
