-- nianbao archive schema, version 1. Documented column by column in docs/schema.md.
-- Times are UTC, ISO 8601 text ("2024-03-08T02:15:00.000Z"); dates are "YYYY-MM-DD".
-- Nothing is updated in place except pointers and states: responses, blobs, versions, table cells
-- and document events are append-only.

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL DEFAULT 'running'
                CHECK (outcome IN ('running', 'ok', 'partial', 'failed', 'interrupted')),
    sites       TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE run_sites (
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    site       TEXT NOT NULL,
    fetched    INTEGER NOT NULL DEFAULT 0,
    new        INTEGER NOT NULL DEFAULT 0,
    changed    INTEGER NOT NULL DEFAULT 0,
    unchanged  INTEGER NOT NULL DEFAULT 0,
    taken_down INTEGER NOT NULL DEFAULT 0,
    blocked    INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, site)
) WITHOUT ROWID;

CREATE TABLE run_errors (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER REFERENCES runs(id),
    site    TEXT,
    url     TEXT,
    message TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX run_errors_run ON run_errors(run_id, site);

CREATE TABLE blobs (
    hash        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    compression TEXT NOT NULL CHECK (compression IN ('zstd', 'none')),
    data        BLOB NOT NULL
);

CREATE TABLE responses (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER REFERENCES runs(id),
    site           TEXT,
    kind           TEXT NOT NULL CHECK (kind IN ('list', 'detail', 'attachment', 'other')),
    url            TEXT NOT NULL,
    final_url      TEXT NOT NULL,
    status         INTEGER NOT NULL,
    outcome        TEXT NOT NULL
                   CHECK (outcome IN ('ok', 'blocked', 'gone', 'error', 'not_modified')),
    headers        TEXT NOT NULL,
    content_type   TEXT,
    fetched_at     TEXT NOT NULL,
    elapsed_ms     INTEGER,
    body_hash      TEXT REFERENCES blobs(hash),
    body_size      INTEGER NOT NULL,
    charset        TEXT,
    charset_source TEXT
);
CREATE INDEX responses_url ON responses(url);
CREATE INDEX responses_site_kind ON responses(site, kind);

CREATE TABLE documents (
    id                INTEGER PRIMARY KEY,
    site              TEXT,
    url               TEXT NOT NULL UNIQUE,
    first_seen        TEXT NOT NULL,
    last_seen         TEXT NOT NULL,
    current_version   INTEGER REFERENCES versions(id),
    taken_down_at     TEXT,
    taken_down_reason TEXT CHECK (taken_down_reason IN ('gone', 'missing_from_list'))
);
CREATE INDEX documents_site ON documents(site);

CREATE TABLE versions (
    id                  INTEGER PRIMARY KEY,
    document_id         INTEGER NOT NULL REFERENCES documents(id),
    seq                 INTEGER NOT NULL,
    content_hash        TEXT NOT NULL,
    response_id         INTEGER REFERENCES responses(id),
    created_at          TEXT NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('crawl', 'reextract')),
    title               TEXT NOT NULL,
    text                TEXT NOT NULL,
    published_at        TEXT,
    written_at          TEXT,
    publisher           TEXT,
    index_no            TEXT,
    doc_no              TEXT,
    category            TEXT,
    validity            TEXT,
    report_year         INTEGER,
    attachments         TEXT NOT NULL DEFAULT '[]',
    encoding_label      TEXT,
    encoding_source     TEXT,
    encoding_had_errors INTEGER NOT NULL DEFAULT 0,
    warnings            TEXT NOT NULL DEFAULT '[]',
    UNIQUE (document_id, seq)
);
CREATE INDEX versions_published ON versions(published_at);

CREATE TABLE doc_tables (
    version_id  INTEGER NOT NULL REFERENCES versions(id),
    table_index INTEGER NOT NULL,
    n_rows      INTEGER NOT NULL,
    n_cols      INTEGER NOT NULL,
    PRIMARY KEY (version_id, table_index)
) WITHOUT ROWID;

CREATE TABLE table_cells (
    version_id  INTEGER NOT NULL,
    table_index INTEGER NOT NULL,
    row_index   INTEGER NOT NULL,
    col_index   INTEGER NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (version_id, table_index, row_index, col_index),
    FOREIGN KEY (version_id, table_index) REFERENCES doc_tables(version_id, table_index)
) WITHOUT ROWID;

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES documents(id),
    url           TEXT NOT NULL,
    name          TEXT NOT NULL,
    ext           TEXT,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    blob_hash     TEXT REFERENCES blobs(hash),
    size          INTEGER,
    content_type  TEXT,
    response_id   INTEGER REFERENCES responses(id),
    downloaded_at TEXT,
    UNIQUE (document_id, url)
);
CREATE INDEX attachments_url ON attachments(url);

CREATE TABLE document_events (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    event       TEXT NOT NULL CHECK (event IN ('gone', 'missing_from_list', 'back')),
    seen_at     TEXT NOT NULL,
    status      INTEGER,
    evidence    TEXT,
    list_url    TEXT,
    run_id      INTEGER REFERENCES runs(id)
);
CREATE INDEX document_events_doc ON document_events(document_id);

CREATE TABLE list_entries (
    list_url   TEXT NOT NULL,
    url        TEXT NOT NULL,
    site       TEXT,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (list_url, url)
) WITHOUT ROWID;

CREATE TABLE frontier (
    url           TEXT PRIMARY KEY,
    site          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('list', 'detail', 'attachment', 'other')),
    depth         INTEGER NOT NULL DEFAULT 0,
    parent        TEXT,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'in_progress', 'done', 'failed', 'blocked', 'gone')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    discovered_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    run_id        INTEGER REFERENCES runs(id)
);
CREATE INDEX frontier_claim ON frontier(site, state, depth);

-- The current version of every document, with its document's columns: the table to start from.
CREATE VIEW current_documents AS
SELECT d.id AS document_id, d.site, d.url, v.title, v.published_at, v.written_at, v.publisher,
       v.index_no, v.doc_no, v.category, v.validity, v.report_year, d.first_seen, d.last_seen,
       d.taken_down_at, d.taken_down_reason, v.seq AS version, v.id AS version_id,
       v.attachments, v.text
FROM documents d JOIN versions v ON v.id = d.current_version;

-- Content of the full-text index: the current versions only.
CREATE VIEW search_content AS
SELECT v.id AS id, v.title AS title, v.text AS text
FROM versions v JOIN documents d ON d.id = v.document_id AND d.current_version = v.id;

CREATE VIRTUAL TABLE search_index USING fts5(
    title, text,
    content = 'search_content', content_rowid = 'id',
    tokenize = 'trigram'
);

-- Rank by bm25 with title matches weighing 5× text matches; `ORDER BY rank` lets FTS5 stop early.
INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(5.0, 1.0)');
