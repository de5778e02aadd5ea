package motcua

import "errors"

// ErrUnavailable marks errors that come from the warehouse being unreachable:
// the work can be retried later unchanged. Callers answer 503.
var ErrUnavailable = errors.New("the warehouse is unavailable")

// ErrPartlyStored marks a failed store after which part of the batch may be
// stored all the same: the caller must not say "nothing was stored", and a
// resend of the same batch stores each event exactly once.
var ErrPartlyStored = errors.New("the batch may be partly stored")

// Errors of the limits that keep one question from starving the others. The
// error that wraps one says which limit and its value.
var (
	// ErrQueryTimeout marks a query stopped by its time limit: the same
	// question may pass when the warehouse is less busy. Callers answer 503.
	ErrQueryTimeout = errors.New("the query ran past its time limit")
	// ErrQueryMemory marks a query stopped by its memory limit: the question
	// asks for too much at once, and asking again will not help. Callers
	// answer 400.
	ErrQueryMemory = errors.New("the query needed more memory than its limit")
	// ErrBusy marks a request refused because as many of its kind as allowed
	// are under way. Callers answer 503 with Retry-After.
	ErrBusy = errors.New("too many requests of this kind are under way")
)
