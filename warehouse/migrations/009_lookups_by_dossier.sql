-- 009: the cost of a round of the figures refresher follows the dossiers that changed, and the
-- summaries read the dossiers that matter to their period, not the whole history.
--
-- dossier_events: every event again, ordered by dossier. The refresher folds a changed dossier from
-- all its events; events, ordered by unit and time for scans, can find them only by reading its
-- dossier_id column whole. Here a dossier's events sit in a few granules of 256 rows, so reading
-- 1,000 dossiers reads about 1,000 granules whatever the history. The materialized view fills it
-- within each insert into events; the rows of a failed insert that reached events and not this
-- table are restored with the event keys (Warehouse.settle, Warehouse.Recover). A backfill that
-- runs while an insert goes through the view may store a row twice: readers take each (source,
-- event_id) once (LIMIT 1 BY). Every statement can run again: a migration cut short starts over.
DROP TABLE IF EXISTS dossier_events_mv;

DROP TABLE IF EXISTS dossier_events;

CREATE TABLE dossier_events (
    event_id String,
    dossier_id String,
    type Enum8('received' = 1, 'transferred' = 2, 'supplement_requested' = 3, 'supplement_received' = 4,
               'resolved' = 5, 'returned' = 6, 'rejected' = 7, 'withdrawn' = 8),
    at DateTime('Asia/Ho_Chi_Minh'),
    unit String,
    procedure String,
    official String,
    channel Enum8('' = 0, 'online' = 1, 'direct' = 2, 'postal' = 3),
    due_at DateTime('Asia/Ho_Chi_Minh'),
    has_due UInt8,
    return_channel Enum8('' = 0, 'counter' = 1, 'postal' = 2, 'online' = 3),
    fee_vnd Nullable(Int64),
    paid_online Nullable(UInt8),
    digitized Nullable(UInt8),
    source String,
    ingested_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
ORDER BY (dossier_id, at, source, event_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW dossier_events_mv TO dossier_events AS
SELECT event_id, dossier_id, type, at, unit, procedure, official, channel, due_at, has_due, return_channel, fee_vnd,
    paid_online, digitized, source, ingested_at FROM events;

INSERT INTO dossier_events
SELECT event_id, dossier_id, type, at, unit, procedure, official, channel, due_at, has_due, return_channel, fee_vnd,
    paid_online, digitized, source, ingested_at FROM events;

-- dossier_facts gains `settled`, the month (YYYYMM) of the last thing that happened to a closed
-- dossier (its closing, resolution, return, refusal or withdrawal), 0 while it is open, and is
-- ordered by it first. A summary or list of a period that starts in month M reads only the rows
-- with settled = 0 or settled >= M: every other dossier was over before the period, and counts in
-- none of its figures. A year's overview so reads the dossiers of the year and those still open,
-- whatever the history before. `fold` names the refresher's write that put a row in (0 for the
-- rows copied here) and `folded_at` its time, so that a write that reached dossier_facts and not
-- its lookup below can be found and restored. ClickHouse cannot change a table's order: the rows
-- move to a new table, which then takes the name.
DROP TABLE IF EXISTS dossier_facts_by_id_mv;

DROP TABLE IF EXISTS dossier_facts_next;

CREATE TABLE dossier_facts_next (
    dossier_id String,
    unit String,
    handling_unit String,
    procedure String,
    official String,
    channel Enum8('' = 0, 'online' = 1, 'direct' = 2, 'postal' = 3),
    received_at DateTime('Asia/Ho_Chi_Minh'),
    due_at DateTime('Asia/Ho_Chi_Minh'),
    has_due UInt8,
    due_computed UInt8,
    paused_since DateTime('Asia/Ho_Chi_Minh'),
    resolved_at DateTime('Asia/Ho_Chi_Minh'),
    outcome Enum8('' = 0, 'early' = 1, 'on_time' = 2, 'late' = 3),
    returned_at DateTime('Asia/Ho_Chi_Minh'),
    return_channel Enum8('' = 0, 'counter' = 1, 'postal' = 2, 'online' = 3),
    rejected_at DateTime('Asia/Ho_Chi_Minh'),
    withdrawn_at DateTime('Asia/Ho_Chi_Minh'),
    closed_at DateTime('Asia/Ho_Chi_Minh'),
    fee_vnd Int64,
    paid_online UInt8,
    digitized UInt8,
    ingested_to DateTime('Asia/Ho_Chi_Minh'),
    settled UInt32,
    fold UInt64,
    folded_at DateTime('Asia/Ho_Chi_Minh'),
    sign Int8
) ENGINE = CollapsingMergeTree(sign)
ORDER BY (settled, unit, received_at, dossier_id);

INSERT INTO dossier_facts_next
SELECT dossier_id, unit, handling_unit, procedure, official, channel, received_at, due_at, has_due, due_computed,
    paused_since, resolved_at, outcome, returned_at, return_channel, rejected_at, withdrawn_at, closed_at, fee_vnd,
    paid_online, digitized, ingested_to,
    if(toUInt32(closed_at) = 0, toUInt32(0), toUInt32(toYYYYMM(greatest(greatest(greatest(closed_at, resolved_at),
        greatest(returned_at, rejected_at)), withdrawn_at)))) AS settled,
    toUInt64(0) AS fold, now() AS folded_at, sign
FROM dossier_facts;

DROP TABLE IF EXISTS dossier_facts_before_009;

RENAME TABLE dossier_facts TO dossier_facts_before_009, dossier_facts_next TO dossier_facts;

DROP TABLE dossier_facts_before_009;

-- dossier_facts_by_id: the same rows ordered by dossier, in granules of 256 rows, where the
-- refresher finds the rows it cancels. The same sorting columns as dossier_facts, so that merges
-- collapse the same pairs. Filled by the view within each write; a write that failed half-way is
-- restored from dossier_facts by its fold (Warehouse.settle, Warehouse.Recover).
DROP TABLE IF EXISTS dossier_facts_by_id;

CREATE TABLE dossier_facts_by_id AS dossier_facts
ENGINE = CollapsingMergeTree(sign)
ORDER BY (dossier_id, settled, unit, received_at)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW dossier_facts_by_id_mv TO dossier_facts_by_id AS
SELECT * FROM dossier_facts;

INSERT INTO dossier_facts_by_id SELECT * FROM dossier_facts;
