package motcua

import "errors"

// ErrUnavailable marks errors that come from the warehouse being unreachable:
// the work can be retried later unchanged. Callers answer 503.
var ErrUnavailable = errors.New("the warehouse is unavailable")
