-- nianbao archive schema, version 4: the by-key index of `facts` without `report_year`.
--
-- With the year in the key, every stored report appended to ~2,000 separate places of the index
-- (about 200 cells × the report years present), so each writer batch dirtied thousands of index
-- pages and a 100,000-document archive slowed to a crawl. Without it, the ~200 places are shared
-- by all reports and stay hot; a query for one figure and year reads that figure's entries and
-- filters the year. `facts::FACTS_SCHEMA_SQL` is the schema after this migration.
DROP INDEX IF EXISTS facts_by_key;
CREATE INDEX IF NOT EXISTS facts_by_key ON facts (tbl, row_key, column_key);
