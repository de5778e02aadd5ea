package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/ingest"
)

// errorKinds maps motcua's error kinds to the status of the answer, whether
// asking again later may pass (Retry-After), and what the client can do.
// It is the one place where an error becomes a status.
var errorKinds = []struct {
	kind   error
	status int
	retry  bool
	hint   string
}{
	{motcua.ErrInvalid, http.StatusBadRequest, false, ""},
	{access.ErrForbidden, http.StatusForbidden, false, ""},
	{motcua.ErrBusy, http.StatusServiceUnavailable, true, "try again shortly"},
	{motcua.ErrQueryTimeout, http.StatusServiceUnavailable, true, "ask for a shorter period or coarser groups, or try again later"},
	{motcua.ErrQueryMemory, http.StatusBadRequest, false, "ask for a shorter period or coarser groups"},
	{motcua.ErrUnavailable, http.StatusServiceUnavailable, true, "try again shortly"},
	{ingest.ErrStopped, http.StatusServiceUnavailable, true, "try again shortly"},
	// A store that failed for another reason than unavailability (a full
	// disk, say): the same batch may pass once the cause is mended.
	{motcua.ErrPartlyStored, http.StatusInternalServerError, true, "resend the same batch later"},
}

// status returns the HTTP status of err, whether to send Retry-After, and
// the message for the client: the error's own for motcua's limits, which
// say which limit; a generic one otherwise, so that no address or stack
// leaks out.
func status(err error) (code int, retry bool, msg string) {
	for _, k := range errorKinds {
		if errors.Is(err, k.kind) {
			msg = err.Error()
			switch k.kind {
			case motcua.ErrUnavailable:
				msg = k.kind.Error()
			case motcua.ErrInvalid, access.ErrForbidden:
				// The status says it is invalid or forbidden; the rest says why.
				return k.status, k.retry, strings.TrimPrefix(msg, k.kind.Error()+": ")
			}
			return k.status, k.retry, msg + "; " + k.hint
		}
	}
	return http.StatusInternalServerError, false, "internal error; the log says more"
}

// fail answers err with the status that status gives, and logs it.
func (s *Server) fail(c *gin.Context, err error) {
	code, retry, msg := status(err)
	if code >= 500 {
		s.log.Warn("request failed", "path", c.Request.URL.Path, "status", code, "err", err)
	}
	if retry {
		c.Header("Retry-After", "5")
	}
	c.JSON(code, gin.H{"error": msg})
}
