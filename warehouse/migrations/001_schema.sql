-- 001: the events, the current state of each dossier, and the catalogues.
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

-- dossiers is the current state of each dossier, folded from its events by a materialized view
-- into an AggregatingMergeTree: every insert adds partial states, merges fold them, and readers
-- finish them with -Merge grouped by dossier_id. Ordered by dossier_id, the one key every read of a
-- dossier's state has. A time that never happened reads as 0 (1970-01-01).
CREATE TABLE IF NOT EXISTS dossiers (
    dossier_id String,
    received_at AggregateFunction(minIf, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    received_unit AggregateFunction(argMinIf, String, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    procedure AggregateFunction(argMinIf, String, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    channel AggregateFunction(argMinIf, String, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    official AggregateFunction(argMinIf, String, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    handling_unit AggregateFunction(argMaxIf, String, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    due_at AggregateFunction(argMaxIf, DateTime('Asia/Ho_Chi_Minh'), DateTime('Asia/Ho_Chi_Minh'), UInt8),
    resolved_at AggregateFunction(minIf, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    returned_at AggregateFunction(minIf, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    return_channel AggregateFunction(argMinIf, String, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    rejected_at AggregateFunction(minIf, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    withdrawn_at AggregateFunction(minIf, DateTime('Asia/Ho_Chi_Minh'), UInt8),
    last_at AggregateFunction(max, DateTime('Asia/Ho_Chi_Minh')),
    events AggregateFunction(count)
) ENGINE = AggregatingMergeTree
ORDER BY dossier_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS dossiers_mv TO dossiers AS
SELECT
    dossier_id,
    minIfState(at, type = 'received') AS received_at,
    argMinIfState(unit, at, type = 'received') AS received_unit,
    argMinIfState(procedure, at, type = 'received') AS procedure,
    argMinIfState(toString(channel), at, type = 'received') AS channel,
    argMinIfState(official, at, type = 'received') AS official,
    argMaxIfState(unit, at, type IN ('received', 'transferred')) AS handling_unit,
    argMaxIfState(due_at, at, has_due = 1) AS due_at,
    minIfState(at, type = 'resolved') AS resolved_at,
    minIfState(at, type = 'returned') AS returned_at,
    argMinIfState(toString(return_channel), at, type = 'returned') AS return_channel,
    minIfState(at, type = 'rejected') AS rejected_at,
    minIfState(at, type = 'withdrawn') AS withdrawn_at,
    maxState(at) AS last_at,
    countState() AS events
FROM events
GROUP BY dossier_id;

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
