-- 004: the working day is catalogue data, units get their alert settings, and the figures record
-- which calendar they were folded with.
--
-- working_hours: the sessions of a working day (HH:MM), loaded with the catalogue like every other
-- catalogue table (a version per load). Due dates and supplement pauses are counted in them, so
-- they are stored with the catalogue rather than given to each process as a flag.
CREATE TABLE IF NOT EXISTS working_hours (
    version UInt64,
    `start` String,
    `end` String
) ENGINE = MergeTree
ORDER BY (version, `start`);

-- alert_channel: the Slack channel of a unit's deadline alerts (empty: its head);
-- alert_window_hours: working hours before the due time from which a dossier is approaching
-- (0: one working day). Catalogue columns, read by the alerter.
ALTER TABLE units ADD COLUMN alert_channel String DEFAULT '';

ALTER TABLE units ADD COLUMN alert_window_hours Float64 DEFAULT 0;

-- facts_calendar: the fingerprint of the rules (working hours, holidays, swapped days, processing
-- times) that dossier_facts were folded with (motcua.Catalog.RulesFingerprint). When the catalogue
-- in force has another, every dossier is folded again and the new fingerprint recorded; the newest
-- row holds.
CREATE TABLE IF NOT EXISTS facts_calendar (
    fingerprint String,
    folded_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
ORDER BY folded_at;
