-- nianbao archive schema, version 3: the scheduler's run records (one per site and run), with
-- the extraction statistics and rule-breakage flags of each run. Documented in docs/schema.md.

CREATE TABLE site_runs (
    id              INTEGER PRIMARY KEY,
    site            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'blocked', 'interrupted')),
    pages           INTEGER NOT NULL DEFAULT 0,
    errors          TEXT NOT NULL DEFAULT '[]',
    documents       INTEGER,
    empty_text      INTEGER,
    median_text_len INTEGER,
    mean_text_len   REAL
);
CREATE INDEX site_runs_site ON site_runs(site, started_at);

CREATE TABLE site_run_lists (
    site_run_id INTEGER NOT NULL REFERENCES site_runs(id),
    list_url    TEXT NOT NULL,
    items       INTEGER NOT NULL,
    PRIMARY KEY (site_run_id, list_url)
) WITHOUT ROWID;

CREATE TABLE site_run_flags (
    id          INTEGER PRIMARY KEY,
    site_run_id INTEGER NOT NULL REFERENCES site_runs(id),
    kind        TEXT NOT NULL CHECK (kind IN ('list-empty', 'empty-text', 'shorter-text')),
    message     TEXT NOT NULL,
    list_url    TEXT,
    usual       INTEGER,
    empty       INTEGER,
    documents   INTEGER,
    median      INTEGER
);
CREATE INDEX site_run_flags_run ON site_run_flags(site_run_id);
