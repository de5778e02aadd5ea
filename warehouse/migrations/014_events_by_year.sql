-- 014: events are partitioned by year, not by month.
--
-- Each partition an insert touches is a part written on disk, and every part is merged again
-- later. A batch spread over a year (a portal export, an import, clients that send their backlog)
-- wrote twelve parts into events besides one into each copy, and at a few thousand rows an insert
-- the parts, not the rows, bounded ingest. By year, such an insert writes one part into events. No
-- reader of events needs months: the figures and the lists read dossier_facts, the lookups by
-- dossier dossier_events, and a year can still be detached whole. The views that copy events are
-- made again over the new table. It is made under a name of its own, so that on a cluster its
-- replicas do not meet those of 012's events_next, which is events now. Every statement can run
-- again: a migration cut short starts over.
DROP TABLE IF EXISTS event_keys_mv;

DROP TABLE IF EXISTS dossier_events_mv;

DROP TABLE IF EXISTS events_by_year;

CREATE TABLE events_by_year AS events
ENGINE = ReplacingMergeTree
PARTITION BY toYear(at)
ORDER BY (unit, at, dossier_id, source, event_id);

INSERT INTO events_by_year SELECT * FROM events;

DROP TABLE IF EXISTS events_before_014;

RENAME TABLE events TO events_before_014, events_by_year TO events;

DROP TABLE events_before_014;

CREATE MATERIALIZED VIEW event_keys_mv TO event_keys AS
SELECT source, event_id, dossier_id, content_hash, ingested_at FROM events;

CREATE MATERIALIZED VIEW dossier_events_mv TO dossier_events AS
SELECT event_id, dossier_id, type, at, unit, procedure, official, channel, due_at, has_due, return_channel, fee_vnd,
    paid_online, digitized, source, ingested_at FROM events;
