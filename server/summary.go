package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/motcua/motcua"
)

// SummaryAnswer is the body of GET /api/v1/summary.
type SummaryAnswer struct {
	From    string                `json:"from"`
	To      string                `json:"to"`
	Unit    string                `json:"unit,omitempty"`
	Group   string                `json:"group,omitempty"`
	Channel string                `json:"channel,omitempty"`
	Units   string                `json:"units"`
	Digits  int                   `json:"digits"`
	Groups  []motcua.SummaryGroup `json:"groups,omitempty"`
	Total   motcua.SummaryGroup   `json:"total"`
}

func badRequest(c *gin.Context, format string, args ...any) {
	c.JSON(http.StatusBadRequest, gin.H{"error": fmt.Sprintf(format, args...)})
}

// summary serves GET /api/v1/summary?from=&to=[&unit=][&group=][&channel=][&digits=]:
// it reads the request, and the domain (motcua.SummaryRequest) does the rest.
func (s *Server) summary(c *gin.Context) {
	cat := s.fig.Catalog()
	ans := SummaryAnswer{From: c.Query("from"), To: c.Query("to"), Unit: c.Query("unit"), Group: c.Query("group"), Channel: c.Query("channel"), Digits: 1, Units: motcua.UnitsAsReceived}
	// A head asks about their subtree: their own unit unless they name one in it.
	unit, err := userOf(c).Narrow(cat, ans.Unit)
	if err != nil {
		s.fail(c, err)
		return
	}
	ans.Unit = unit
	req := motcua.SummaryRequest{Unit: ans.Unit, Group: ans.Group, Channel: ans.Channel, Digits: 1, Units: c.Query("units"), Today: time.Now()}
	if req.Units != "" {
		ans.Units = req.Units
	}
	if req.From, err = time.ParseInLocation(time.DateOnly, ans.From, motcua.Location); err != nil {
		badRequest(c, "from=%q: want a date YYYY-MM-DD", ans.From)
		return
	}
	if req.To, err = time.ParseInLocation(time.DateOnly, ans.To, motcua.Location); err != nil {
		badRequest(c, "to=%q: want a date YYYY-MM-DD", ans.To)
		return
	}
	if d := c.Query("digits"); d != "" {
		if req.Digits, err = strconv.Atoi(d); err != nil || req.Digits < 0 || req.Digits > 6 {
			badRequest(c, "digits=%q: want 0 to 6", d)
			return
		}
		ans.Digits = req.Digits
	}
	q, err := req.Query(cat)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.runSummary(c.Request.Context(), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	sum := req.Summarize(cat, q, rows)
	ans.Groups, ans.Total = sum.Groups, sum.Total
	c.JSON(http.StatusOK, ans)
}

// runSummary computes a summary in one of the readers' slots.
func (s *Server) runSummary(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	var out []motcua.Counts
	err := s.inSlot(ctx, "the summary", func() error {
		var err error
		out, err = s.wh.Summary(ctx, q)
		return err
	})
	return out, err
}

// inSlot runs a reader's query (a summary, a dossier list, a dossier) once
// one of the MaxSummaries slots is free, waiting SummaryWait at most: the
// readers never take every connection to ClickHouse, so ingest and the
// readiness check keep theirs.
func (s *Server) inSlot(ctx context.Context, what string, run func() error) error {
	t := time.NewTimer(s.cfg.SummaryWait)
	defer t.Stop()
	select {
	case s.summaries <- struct{}{}:
		defer func() { <-s.summaries }()
	case <-t.C:
		return fmt.Errorf("cannot compute %s: %d reader queries are under way, the most at once, and none finished within %s: %w",
			what, s.cfg.MaxSummaries, s.cfg.SummaryWait, motcua.ErrBusy)
	case <-ctx.Done():
		return ctx.Err()
	}
	return run()
}
