-- 013: the figures of a dossier say how many events they were folded from, so that the catch-up
-- folds again only the dossiers whose stored events outnumber them (a second of ingested_at cannot
-- tell an event stored just after a fold from one it folded). 0 in rows folded before: those are
-- folded once more by the next catch-up that meets them. The lookup first, so that the view that
-- copies dossier_facts into it never meets a column it lacks.
ALTER TABLE dossier_facts_by_id ADD COLUMN events UInt32 DEFAULT 0;

ALTER TABLE dossier_facts ADD COLUMN events UInt32 DEFAULT 0;
