package motcua

import "errors"

// ErrUnavailable marks errors that come from the warehouse being unreachable:
// the work can be retried later unchanged. Callers answer 503.
var ErrUnavailable = errors.New("the warehouse is unavailable")

// ErrPartlyStored marks a failed store after which part of the batch may be
// stored all the same: the caller must not say "nothing was stored", and a
// resend of the same batch stores each event exactly once.
var ErrPartlyStored = errors.New("the batch may be partly stored")
