-- 015: the newest record of the rules the figures follow is the newest to the nanosecond.
--
-- facts_calendar kept its rows' time in seconds, and two refolds that ended within one second (a
-- change of rules and its undoing, in a script or a test) left two rows of the same second, of which
-- the reader took either. seq is the Unix time in nanoseconds of the row; for the rows written before,
-- their second.
ALTER TABLE facts_calendar ADD COLUMN seq UInt64 DEFAULT toUInt64(folded_at) * 1000000000;
