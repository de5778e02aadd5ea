-- 001: the events and the catalogues.
--
-- events keeps every event as it came in, append-only. MergeTree, partitioned by the month of `at`
-- (local time), so a year's report touches twelve partitions and an old year can be detached whole.
-- Ordered by (unit, at, dossier_id): dashboards and alerts read one unit, or a small subtree of
-- units, over a time range; within a unit, the events of one dossier sit close together.
-- Times are DateTime in Asia/Ho_Chi_Minh, seconds; `due_at` is 0 (1970) with has_due = 0 when the
-- event carries no due date. Enum8 rather than String for the closed sets: one byte a row, and the
-- same on every ClickHouse version (LowCardinality needs a setting on 18.x that current versions refuse).
CREATE TABLE IF NOT EXISTS events (
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
PARTITION BY toYYYYMM(at)
ORDER BY (unit, at, dossier_id);

-- event_ids holds every stored event_id, ordered by it, so that ingest finds in one indexed read
-- which ids of a batch are stored already (the events table, ordered for scans by unit, cannot
-- answer that without reading everything). The materialized view fills it within the same INSERT
-- as events. ReplacingMergeTree folds an id that ever got in twice.
CREATE TABLE IF NOT EXISTS event_ids (
    event_id String,
    dossier_id String
) ENGINE = ReplacingMergeTree
ORDER BY event_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS event_ids_mv TO event_ids AS
SELECT event_id, dossier_id FROM events;

-- The catalogues are small and read whole. A load writes every table anew under a new version and
-- then records the version in catalog_loads; readers take the latest recorded version, so they
-- never see half a load. Older versions are deleted after the switch.
CREATE TABLE IF NOT EXISTS catalog_loads (
    version UInt64,
    source String,
    loaded_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
ORDER BY version;

CREATE TABLE IF NOT EXISTS units (
    version UInt64,
    code String,
    name String,
    level String,
    parent String,
    head_slack_id String,
    merged_into String,
    merged_from String
) ENGINE = MergeTree
ORDER BY (version, code);

CREATE TABLE IF NOT EXISTS procedures (
    version UInt64,
    code String,
    name String,
    field String,
    level String,
    online_level UInt8,
    statutory_days Float64,
    cut_days Float64,
    interlinked UInt8
) ENGINE = MergeTree
ORDER BY (version, code);

CREATE TABLE IF NOT EXISTS officials (
    version UInt64,
    code String,
    name String,
    unit String,
    weekly_online_target UInt32
) ENGINE = MergeTree
ORDER BY (version, code);

CREATE TABLE IF NOT EXISTS targets (
    version UInt64,
    unit String,
    year UInt16,
    online_share Nullable(Float64),
    on_time_share Nullable(Float64)
) ENGINE = MergeTree
ORDER BY (version, unit, year);

CREATE TABLE IF NOT EXISTS calendar_days (
    version UInt64,
    date Date,
    kind String,
    name String,
    guess UInt8
) ENGINE = MergeTree
ORDER BY (version, date);
