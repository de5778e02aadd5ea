-- 006: ratings of units by year (ratings.csv of the catalogue): how the province rated each unit,
-- with the document that says so, for the report text. Data that comes in, loaded with the
-- catalogue like every other catalogue table (a version per load).
CREATE TABLE IF NOT EXISTS ratings (
    version UInt64,
    unit String,
    year UInt16,
    rating String,
    source String
) ENGINE = MergeTree
ORDER BY (version, unit, year);
