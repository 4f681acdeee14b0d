-- nianbao archive schema, version 2: report statistics (facts) of annual reports.
-- Frozen copy of `facts::FACTS_SCHEMA_SQL` (a test keeps the two identical); see docs/facts.md.
CREATE TABLE IF NOT EXISTS facts (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL,
    report_year  INTEGER,
    layout       TEXT CHECK (layout IN ('2019', '2021')),
    tbl          TEXT NOT NULL CHECK (tbl IN ('active', 'requests', 'review_litigation', 'prose')),
    row_key      TEXT NOT NULL,
    row_label    TEXT NOT NULL,
    column_key   TEXT NOT NULL,
    column_label TEXT NOT NULL,
    value        REAL,
    unit         TEXT,
    raw          TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('table', 'prose')),
    src_table    INTEGER,
    src_row      INTEGER,
    src_col      INTEGER,
    UNIQUE (document_id, tbl, row_key, column_key)
);
CREATE INDEX IF NOT EXISTS facts_by_key ON facts (tbl, row_key, column_key, report_year);
CREATE TABLE IF NOT EXISTS fact_checks (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL,
    check_name   TEXT NOT NULL,
    tbl          TEXT NOT NULL,
    row_key      TEXT NOT NULL,
    column_key   TEXT NOT NULL,
    formula      TEXT NOT NULL,
    expected     REAL NOT NULL,
    actual       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS fact_checks_by_document ON fact_checks (document_id);
