-- 010: a refold (every dossier folded again after the working hours, holidays or processing times
-- changed) records how far it got, so that one cut short by a restart goes on from there.
--
-- refold_progress: one row per page of dossiers folded under the rules with the fingerprint
-- (motcua.Catalog.RulesFingerprint); pages run in order of dossier_id, and `after` is the last id
-- of the page; seq (Unix nanoseconds) orders the rows, and the newest of a fingerprint holds. A
-- refold that ends writes a row with an empty `after`, so that the next refold under the same rules
-- (after a change and its undoing) starts from the first dossier. facts_calendar records the end,
-- as before.
CREATE TABLE IF NOT EXISTS refold_progress (
    fingerprint String,
    after String,
    done UInt64,
    total UInt64,
    seq UInt64,
    written_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
ORDER BY (fingerprint, seq);
