-- 0002: what processes sharing the database must share and SQLite keeps
-- elsewhere: attachment contents (SQLite: files in DATA/files) and the
-- per-client rate limits (SQLite: the process's memory).

-- One row per stored content; its bytes in chunks of 256 KiB, written and
-- read one at a time so that a 10 MiB file never sits whole in memory.
CREATE TABLE blob (
    sha256 text   PRIMARY KEY CHECK (length(sha256) = 64),
    size   bigint NOT NULL CHECK (size >= 0)
);
CREATE TABLE blob_chunk (
    sha256 text    NOT NULL REFERENCES blob (sha256) ON DELETE CASCADE,
    seq    integer NOT NULL CHECK (seq >= 0),
    data   bytea   NOT NULL,
    PRIMARY KEY (sha256, seq)
);
-- Images and PDFs are compressed already: store them as they are.
ALTER TABLE blob_chunk ALTER COLUMN data SET STORAGE EXTERNAL;
-- An attachment's content is there as long as the attachment is.
ALTER TABLE attachment ADD FOREIGN KEY (sha256) REFERENCES blob (sha256);

-- GCRA state per client key: the theoretical arrival time of its next
-- request, in milliseconds of the database's clock.  Unlogged: losing it
-- in a crash only forgives what was counted, and writing it costs no
-- fsync on the path of every new comment.
CREATE UNLOGGED TABLE rate_limit (
    key    text   PRIMARY KEY,
    tat_ms bigint NOT NULL,
    ok     boolean NOT NULL
);
