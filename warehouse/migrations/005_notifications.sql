-- 005: the alerts' notification log.
--
-- notifications: one row per dossier named in a message that went out, by stage (approaching,
-- overdue, the daily repeat, the escalation to leadership, done when its message was updated after
-- it closed), with the message's channel and ts (Slack's id, for chat.update) and the working day
-- it went out on. A pass reads it before it sends, so that a restart neither sends again what was
-- sent nor forgets what is due.
CREATE TABLE IF NOT EXISTS notifications (
    dossier_id String,
    stage Enum8('approaching' = 1, 'overdue' = 2, 'repeat' = 3, 'escalated' = 4, 'done' = 5),
    unit String,
    recipient String,
    channel String,
    ts String,
    day Date,
    sent_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
ORDER BY (dossier_id, stage, sent_at);

-- notification_messages: each message as it was last sent (JSON), so that it can be drawn again
-- with its closed dossiers marked done.
CREATE TABLE IF NOT EXISTS notification_messages (
    channel String,
    ts String,
    recipient String,
    body String,
    written_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = ReplacingMergeTree(written_at)
ORDER BY (channel, ts);
