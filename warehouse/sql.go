package warehouse

import "strings"

// The SQL of motcua, apart from the migrations (migrations/*.sql), the summary
// (summary.go, rawsummary.go) and the events insert (events.go). Every statement
// here runs unchanged on ClickHouse 18.16 and on current versions; the chdb
// test suite (go test -tags chdb) runs each on both and compares the answers.

// factRowColumns are the columns of a row of dossier_facts that say what its
// dossier is: factColumns without the write's fold and folded_at, events (how
// many events were folded) and the sign.
const factRowColumns = `dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at, has_due,
 due_computed, paused_since, resolved_at, outcome, returned_at, return_channel, rejected_at, withdrawn_at, closed_at,
 fee_vnd, paid_online, digitized, ingested_to, settled`

// factColumns are the columns of dossier_facts and dossier_facts_by_id.
const factColumns = factRowColumns + `, fold, folded_at, events, sign`

// eventCols are the columns that scanEvent reads.
const eventCols = `event_id, dossier_id, toString(type), at, unit, procedure, official, toString(channel),
 due_at, has_due, toString(return_channel), fee_vnd, paid_online, digitized, source, ingested_at`

// catalogInsert is the insert into a catalogue table of a new version's rows.
func catalogInsert(table string, cols []catalogColumn) string {
	names := []string{"version"}
	for _, c := range cols {
		names = append(names, "`"+c.Name+"`")
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ")"
}

// catalogSelect reads the current version of a catalogue table, ordered by
// its first two columns.
func catalogSelect(table string, cols []catalogColumn) string {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = c.selectExpr()
	}
	order := "`" + cols[0].Name + "`"
	if len(cols) > 1 {
		order += ", `" + cols[1].Name + "`"
	}
	return "SELECT " + strings.Join(exprs, ", ") + " FROM " + table + " WHERE version = " + currentVersion + " ORDER BY " + order
}

const currentVersion = "(SELECT max(version) FROM catalog_loads)"

const (
	insertCatalogLoad = "INSERT INTO catalog_loads (version, source, loaded_at)"
	deleteOldCatalog  = "ALTER TABLE %s DELETE WHERE version < %d"
	countCatalogLoads = "SELECT count() FROM catalog_loads"
	selectStoredKeys  = "SELECT source, event_id, content_hash FROM event_keys WHERE (source, event_id) IN (SELECT source, event_id FROM batch_keys)"
	selectNewestKey   = "SELECT toUInt32(max(ingested_at)) FROM event_keys"
	restoreEventKeys  = `INSERT INTO event_keys (source, event_id, dossier_id, content_hash, ingested_at)
 SELECT source, event_id, dossier_id, content_hash, ingested_at FROM events
 WHERE ingested_at >= toDateTime(?) AND (source, event_id) NOT IN
  (SELECT source, event_id FROM event_keys WHERE ingested_at >= toDateTime(?))`
	countRunningQuery      = "SELECT count() FROM system.processes WHERE query_id = ?"
	killQuery              = "KILL QUERY WHERE query_id = ?"
	countEvents            = "SELECT count() FROM events FINAL"
	selectDossierEvents    = "SELECT " + eventCols + " FROM events WHERE dossier_id = ? ORDER BY at, event_id LIMIT 1 BY source, event_id"
	selectEventsOfDossiers = "SELECT " + eventCols + " FROM events WHERE dossier_id IN (SELECT id FROM dossier_ids) LIMIT 1 BY source, event_id"
	selectCurrentFacts     = "SELECT " + factCols + " FROM dossier_facts_by_id WHERE dossier_id IN (SELECT id FROM dossier_ids) GROUP BY " + factCols + " HAVING sum(sign) > 0"
	insertFacts            = `INSERT INTO dossier_facts (` + factColumns + `)`
	// selectUnrestored: the dossiers of the writes of facts since a time that dossier_facts_by_id
	// does not hold (binds: the time, twice). Such a write is one whose copy failed, or one whose
	// every row a later write cancelled and a merge of the lookup then dropped.
	selectUnrestored = `SELECT DISTINCT dossier_id FROM dossier_facts WHERE folded_at >= toDateTime(?)
 AND fold NOT IN (SELECT fold FROM dossier_facts_by_id WHERE folded_at >= toDateTime(?))`
	// restoreFactsByID makes dossier_facts_by_id agree with dossier_facts for the dossiers in
	// dossier_ids: for each row of their facts, it writes as many copies of it, with its sign, as
	// dossier_facts counts it (the sum of its signs) more than the lookup. What merges dropped
	// counts alike in both and is left alone. Its rows are written as sent (asSent): the merges
	// of the lookup collapse them with the rows stored.
	restoreFactsByID = `INSERT INTO dossier_facts_by_id (` + factColumns + `)
SELECT ` + factRowColumns + `, fold, folded_at, events, toInt8(if(d > 0, 1, -1)) AS sign
FROM (
 SELECT ` + factRowColumns + `, events, sum(s) AS d, max(f) AS fold, max(t) AS folded_at FROM (
  SELECT ` + factRowColumns + `, events, toInt64(sign) AS s, fold AS f, folded_at AS t FROM dossier_facts
  WHERE dossier_id IN (SELECT id FROM dossier_ids)
  UNION ALL
  SELECT ` + factRowColumns + `, events, -toInt64(sign) AS s, fold AS f, folded_at AS t FROM dossier_facts_by_id
  WHERE dossier_id IN (SELECT id FROM dossier_ids)
 ) GROUP BY ` + factRowColumns + `, events HAVING d != 0
) ARRAY JOIN range(toUInt64(abs(d))) AS copy`
	selectNewestFold     = "SELECT toUInt32(max(folded_at)) FROM dossier_facts_by_id"
	selectFactsWatermark = "SELECT toUInt32(max(upto)) FROM facts_watermark"
	insertFactsWatermark = "INSERT INTO facts_watermark (upto, written_at)"
	// selectIngestedAfter and selectIngestedBetween: the dossiers with events ingested since a
	// time, of ids after one, up to another.
	selectIngestedAfter   = "SELECT DISTINCT dossier_id FROM events WHERE ingested_at >= toDateTime(?) AND dossier_id > ?"
	selectIngestedBetween = "SELECT DISTINCT dossier_id FROM events WHERE ingested_at >= toDateTime(?) AND dossier_id > ? AND dossier_id <= ?"
	// selectIngestedSample: the dossiers with events ingested since a time whose cityHash64 is 0
	// modulo a number, in order (the binds: the number, the time).
	selectIngestedSample = `SELECT dossier_id FROM events
 WHERE cityHash64(dossier_id) % ? = 0 AND ingested_at >= toDateTime(?) GROUP BY dossier_id ORDER BY dossier_id`
	// selectUnfolded: of the dossiers in the external table dossier_ids, those whose stored events
	// are not as many as their figures were folded from.
	selectUnfolded = `SELECT dossier_id FROM
 (SELECT dossier_id, uniqExact(source, event_id) AS stored FROM events
  WHERE dossier_id IN (SELECT id FROM dossier_ids)
  GROUP BY dossier_id) AS e
 ANY LEFT JOIN
 (SELECT dossier_id, events AS folded FROM dossier_facts_by_id
  WHERE dossier_id IN (SELECT id FROM dossier_ids)
  GROUP BY dossier_id, events HAVING sum(sign) > 0) AS f
 USING dossier_id
 WHERE stored != folded`
	selectFactsCalendar = "SELECT argMax(fingerprint, seq) FROM facts_calendar"
	insertFactsCalendar = "INSERT INTO facts_calendar (fingerprint, folded_at, seq)"
	countDossiers       = "SELECT uniqExact(dossier_id) FROM events"
	selectDossierSample = `SELECT dossier_id FROM events
 WHERE cityHash64(dossier_id) % ? = 0 AND dossier_id > ? GROUP BY dossier_id ORDER BY dossier_id`
	selectDossiersAfter   = "SELECT DISTINCT dossier_id FROM events WHERE dossier_id > ?"
	selectDossiersBetween = "SELECT DISTINCT dossier_id FROM events WHERE dossier_id > ? AND dossier_id <= ?"
	selectRefoldProgress  = `SELECT argMax(after, seq), argMax(done, seq), argMax(total, seq)
 FROM refold_progress WHERE fingerprint = ?`
	insertRefoldProgress = "INSERT INTO refold_progress (fingerprint, after, done, total, seq, written_at)"
	insertNotice         = "INSERT INTO notifications (dossier_id, stage, unit, recipient, channel, ts, day, sent_at)"
	// selectClosedNotices: the log's rows, not done, of dossiers closed since the first of them was
	// sent (%[1]s binds the instant; closed is read from the facts, whose rows a later fold cancels).
	selectClosedNotices = `SELECT dossier_id, toString(stage), unit, recipient, channel, ts, toString(day), toUInt32(sent_at) FROM notifications
WHERE stage != 'done' AND dossier_id NOT IN (SELECT dossier_id FROM notifications WHERE stage = 'done')
 AND dossier_id IN (
  SELECT dossier_id FROM (
   WITH %[1]s toDateTime(0, 'Asia/Ho_Chi_Minh') AS wf
   SELECT dossier_id, sum(sign) AS s FROM dossier_facts
   WHERE toUInt32(closed_at) != 0 AND closed_at <= nowt
    AND closed_at >= (SELECT min(sent_at) FROM notifications WHERE stage != 'done')
   GROUP BY dossier_id, closed_at)
  WHERE s > 0)`
	insertChanged     = "INSERT INTO changed_dossiers (dossier_id, at)"
	selectChanged     = "SELECT DISTINCT dossier_id FROM changed_dossiers WHERE at >= toDateTime(?)"
	insertFolder      = "INSERT INTO folders (process, at)"
	selectOtherFolder = "SELECT argMax(process, at), toUInt32(max(at)) FROM folders WHERE process != ? AND at >= toDateTime(?)"
	dropDay           = "ALTER TABLE %s DROP PARTITION %s"
	insertDelivery    = "INSERT INTO deliveries (kind, period, recipient, channel, ts, sent_at)"
	selectDelivered   = "SELECT DISTINCT recipient FROM deliveries WHERE kind = ? AND period = ?"
	insertMessage     = "INSERT INTO notification_messages (channel, ts, recipient, body, written_at)"
	selectMessage     = "SELECT argMax(body, written_at) FROM notification_messages WHERE channel = ? AND ts = ?"
	insertMigration   = "INSERT INTO schema_migrations (version, name, applied_at)"
	selectMigrations  = "SELECT version FROM schema_migrations"
	// selectTables: the tables of a database.
	selectTables = "SELECT name FROM system.tables WHERE database = ?"
	// selectMergeTreeSettings: the settings of a table that the server knows.
	selectMergeTreeSettings = "SELECT name FROM system.merge_tree_settings"
	// selectKnownSettings: the settings of a query that the server knows.
	selectKnownSettings = "SELECT name FROM system.settings"
)
