-- 007: the reports' delivery log: a row per report sent to a recipient (the weekly report of an ISO
-- week to a unit head, form 06 of a reporting month to leadership), so that a delivery missed while
-- motcua was down goes out once when it is back, and never twice.
CREATE TABLE IF NOT EXISTS deliveries (
    kind String,
    period String,
    recipient String,
    channel String,
    ts String,
    sent_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
ORDER BY (kind, period, recipient);
