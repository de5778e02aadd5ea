-- 017: the tables that are read a few rows at a time, rebuilt alike on every version of
-- ClickHouse, in small granules and, where the version has that setting for a table, small
-- compressed blocks: events and dossier_facts_by_id, where the refresher finds the changed
-- dossiers, and event_keys, where each insert looks up its batch's keys.
--
-- events: 016 made it AS events with an ORDER BY and no PARTITION BY. ClickHouse 18.16 takes that
-- as a table without partitions; current versions keep the partitions of the table it is made AS,
-- so in production events stayed partitioned by year, and a lookup of dossiers whose codes say
-- nothing of their year read one granule of each in every year. It is made again here from its
-- columns, with no partitions on any version.
--
-- events and dossier_facts_by_id: a lookup of one dossier reads a granule of each column, but
-- decompresses the whole compressed block around it, 64 KiB by default, some thirty granules of a
-- narrow column. For 1,000 dossiers with random codes, that is the whole table at a million
-- events and a thousand separate blocks at ten million, so a round of the refresher cost four
-- times as much at ten times the history (warehouse: BenchmarkLookupsCurrent). Blocks of 4 KiB
-- hold about one granule of each column. Current versions know min_compress_block_size for a
-- table; ClickHouse 18.16 knows it only for the whole server, where it slows every scan, and
-- motcua leaves it out there (Migrate: newerTableSettings). The tables take 4 to 8% more room.
--
-- event_keys: an insert looks up the keys of its batch, some thousands, and keys that one-stop
-- software makes at random (codes that say nothing of the day) each fall in a granule of their
-- own: in granules of 8,192 rows, 8,000 such keys read most of a table of ten million keys (439
-- ms on current ClickHouse, against 53 ms at a million), and the ingest slowed as the history
-- grew. In granules of 256 rows with small blocks: 178 ms, and 57 ms at a million.
--
-- dossier_facts_by_id is copied by one thread, part after part: a dossier's row, the row that
-- cancels it and the one written instead may share their sorting key, and the rows a merge keeps
-- depend on their order, which reads in parallel do not keep. (Not FINAL: a write whose every row
-- was cancelled would leave no trace of its fold, and the restore on start would copy it again.)
-- Every statement can run again: a migration cut short starts over.
DROP TABLE IF EXISTS event_keys_mv;

DROP TABLE IF EXISTS events_017;

CREATE TABLE events_017 (
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
    ingested_at DateTime('Asia/Ho_Chi_Minh'),
    content_hash UInt64 DEFAULT 0
) ENGINE = ReplacingMergeTree
ORDER BY (dossier_id, at, source, event_id)
SETTINGS index_granularity = 256, min_compress_block_size = 4096;

INSERT INTO events_017
SELECT event_id, dossier_id, type, at, unit, procedure, official, channel, due_at, has_due, return_channel, fee_vnd,
    paid_online, digitized, source, ingested_at, content_hash FROM events;

DROP TABLE IF EXISTS events_before_017;

RENAME TABLE events TO events_before_017, events_017 TO events;

DROP TABLE events_before_017;

DROP TABLE IF EXISTS event_keys_017;

CREATE TABLE event_keys_017 (
    source String,
    event_id String,
    dossier_id String,
    content_hash UInt64,
    ingested_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = ReplacingMergeTree
ORDER BY (source, event_id)
SETTINGS index_granularity = 256, min_compress_block_size = 4096;

INSERT INTO event_keys_017 SELECT source, event_id, dossier_id, content_hash, ingested_at FROM event_keys;

DROP TABLE IF EXISTS event_keys_before_017;

RENAME TABLE event_keys TO event_keys_before_017, event_keys_017 TO event_keys;

DROP TABLE event_keys_before_017;

CREATE MATERIALIZED VIEW event_keys_mv TO event_keys AS
SELECT source, event_id, dossier_id, content_hash, ingested_at FROM events;

DROP TABLE IF EXISTS dossier_facts_by_id_mv;

DROP TABLE IF EXISTS dossier_facts_by_id_017;

CREATE TABLE dossier_facts_by_id_017 AS dossier_facts_by_id
ENGINE = CollapsingMergeTree(sign)
ORDER BY (dossier_id, settled, unit, received_at)
SETTINGS index_granularity = 256, min_compress_block_size = 4096;

INSERT INTO dossier_facts_by_id_017 SELECT * FROM dossier_facts_by_id SETTINGS max_threads = 1;

DROP TABLE IF EXISTS dossier_facts_by_id_before_017;

RENAME TABLE dossier_facts_by_id TO dossier_facts_by_id_before_017, dossier_facts_by_id_017 TO dossier_facts_by_id;

DROP TABLE dossier_facts_by_id_before_017;

CREATE MATERIALIZED VIEW dossier_facts_by_id_mv TO dossier_facts_by_id AS
SELECT * FROM dossier_facts;
