package warehouse

import (
	"context"

	"github.com/motcua/motcua"
)

// eventsAsFacts folds each dossier from the raw events with GROUP BY
// dossier_id on every call, into the columns of dossier_facts, so that the
// same counting SQL runs over it. It is the reference that Summary is checked
// and measured against; it knows only due dates that events carry (no
// calendar), so it agrees with Summary where every dossier's events carry one.
const eventsAsFacts = `(
    SELECT
        unit, procedure, official, channel, received_at,
        d_due AS due_at,
        d_has_due AS has_due,
        toUInt8(0) AS due_computed,
        toDateTime(0, 'Asia/Ho_Chi_Minh') AS paused_since,
        resolved_at,
        multiIf(toUInt32(resolved_at) = 0, '', d_has_due = 0, 'on_time',
                toDate(resolved_at) < toDate(d_due), 'early', toDate(resolved_at) = toDate(d_due), 'on_time', 'late') AS outcome,
        returned_at, return_channel, closed_at,
        toInt8(1) AS sign
    FROM (
        SELECT
            dossier_id,
            argMinIf(unit, at, type = 'received') AS unit,
            argMinIf(procedure, at, type = 'received') AS procedure,
            argMinIf(official, at, type = 'received') AS official,
            argMinIf(toString(channel), at, type = 'received') AS channel,
            minIf(at, type = 'received') AS received_at,
            argMaxIf(due_at, at, has_due = 1) AS d_due,
            max(has_due) AS d_has_due,
            minIf(at, type = 'resolved') AS resolved_at,
            minIf(at, type IN ('resolved', 'rejected', 'withdrawn')) AS closed_at,
            minIf(at, type = 'returned') AS returned_at,
            argMinIf(toString(return_channel), at, type = 'returned') AS return_channel
        FROM events
        GROUP BY dossier_id
    )
)`

// SummaryFromEvents answers q from the raw events, without dossier_facts.
func (w *Warehouse) SummaryFromEvents(ctx context.Context, q motcua.SummaryQuery) ([]motcua.Counts, error) {
	query, args, err := summaryQuery(eventsAsFacts, q)
	if err != nil {
		return nil, err
	}
	return w.readCounts(ctx, query, args, q.Now != nil)
}
