-- 003: events are known by their source and id, with a fingerprint of their content, and the
-- figures keep a watermark of the events they have folded.
--
-- Ids are unique at their source, not across sources: `1001` of the one-stop software and `1001` of
-- the portal are two events. content_hash is motcua's fingerprint of what the event says
-- (motcua.Event.ContentHash); an id resent with another fingerprint is a conflict, not a duplicate.
-- Events stored before this migration have 0: unknown, so a resend of one counts as a duplicate.
-- ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: Migrate takes "column already exists" as done.
ALTER TABLE events ADD COLUMN content_hash UInt64 DEFAULT 0;

-- event_keys replaces event_ids: one row per stored (source, event_id), ordered by them, so that
-- ingest finds in one indexed read which events of a batch are stored already, and with what
-- content. The materialized view fills it after each insert into events; an insert that fails
-- half-way (ClickHouse killed, disk full) can leave rows in events without their keys, which
-- motcua restores from events before its next insert (Warehouse.InsertEvents, Warehouse.Recover).
-- ReplacingMergeTree folds a key that got in twice.
CREATE TABLE IF NOT EXISTS event_keys (
    source String,
    event_id String,
    dossier_id String,
    content_hash UInt64,
    ingested_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = ReplacingMergeTree
ORDER BY (source, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS event_keys_mv TO event_keys AS
SELECT source, event_id, dossier_id, content_hash, ingested_at FROM events;

INSERT INTO event_keys (source, event_id, dossier_id, content_hash, ingested_at)
SELECT source, event_id, dossier_id, content_hash, ingested_at FROM events;

DROP TABLE IF EXISTS event_ids_mv;

DROP TABLE IF EXISTS event_ids;

-- facts_watermark: every event ingested before `upto` has its dossier folded into dossier_facts.
-- Each sweep of the figures refresher adds a row; the largest `upto` holds. A process that starts
-- (after a crash, or after an import that stopped half-way) folds every dossier with events
-- ingested since then whose facts are missing or older than its events.
CREATE TABLE IF NOT EXISTS facts_watermark (
    upto DateTime('Asia/Ho_Chi_Minh'),
    written_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
ORDER BY upto;
