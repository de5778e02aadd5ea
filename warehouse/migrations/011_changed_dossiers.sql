-- 011: several motcua processes on one database (or cluster), of which one folds the figures.
--
-- Two processes that fold the same dossier at once would both cancel its old row of dossier_facts,
-- so exactly one process folds (figures.fold; the others are set not to). The others write here the
-- dossiers whose events they stored, and the folding process reads what came since its last round,
-- by time. Days older than a few are dropped by partition.
CREATE TABLE IF NOT EXISTS changed_dossiers (
    dossier_id String,
    at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(at)
ORDER BY at;

-- folders: the folding process says it is alive at every catch-up; a second process set to fold
-- finds it here and refuses to start, instead of corrupting the figures.
CREATE TABLE IF NOT EXISTS folders (
    process String,
    at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(at)
ORDER BY (at, process);
