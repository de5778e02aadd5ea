-- 002: dossier_facts, the figures of each dossier, from which every count of the summary comes.
--
-- A dossier's due date and outcome follow rules (the working-day calendar, supplement pauses, the
-- due_at of the latest event) that live in one place, motcua's domain package in Go. motcua folds the
-- events of each changed dossier there and writes the result here, so the SQL only counts.
-- CollapsingMergeTree: when a dossier's facts change, motcua writes the old row again with sign -1
-- and the new row with sign +1; merges drop the pair, and every query weights rows by sign
-- (sum(sign), sumIf(sign, ...)), so answers are exact before merges too, without FINAL.
-- One row per dossier instead of several events: a year's summary reads a fraction of the rows that
-- the raw events need, and no GROUP BY dossier_id. Ordered by (unit, received_at): the summary
-- filters by the units of a subtree and by reception time. Times are 0 (1970-01-01) when they did
-- not happen; closed_at is the first of resolved_at, rejected_at and withdrawn_at.
CREATE TABLE IF NOT EXISTS dossier_facts (
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
    sign Int8
) ENGINE = CollapsingMergeTree(sign)
ORDER BY (unit, received_at, dossier_id);
