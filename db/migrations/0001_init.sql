-- 0001: comments, their moderation history, attachments, per-article
-- counters and moderator tokens.

CREATE TABLE comment (
    id            INTEGER PRIMARY KEY,
    article       TEXT    NOT NULL CHECK (length(article) BETWEEN 1 AND 128),
    parent_id     INTEGER REFERENCES comment (id),
    author        TEXT    NOT NULL,
    email         TEXT,
    body          TEXT    NOT NULL,
    original_body TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at    INTEGER NOT NULL,
    published_at  INTEGER,
    edited        INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    version       INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    client_addr   TEXT
) STRICT;

-- Serves the public list (article, status = 'approved', keyset on id) and
-- the moderation queue filtered by article.
CREATE INDEX comment_by_article_status ON comment (article, status, id);
-- Serves the moderation queue of one status across all articles.
CREATE INDEX comment_by_status ON comment (status, id);

CREATE TABLE history (
    id         INTEGER PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
    action     TEXT    NOT NULL
               CHECK (action IN ('created', 'edited', 'approved', 'rejected')),
    moderator  TEXT,
    at         INTEGER NOT NULL,
    reason     TEXT
) STRICT;

-- Serves the history of one comment in the moderation form.
CREATE INDEX history_by_comment ON history (comment_id, id);

CREATE TABLE attachment (
    id           INTEGER PRIMARY KEY,
    comment_id   INTEGER NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL
                 CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif',
                                         'image/webp', 'application/pdf')),
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT    NOT NULL CHECK (length(sha256) = 64)
) STRICT;

-- Serves the attachments of one comment, in upload order.
CREATE INDEX attachment_by_comment ON attachment (comment_id, id);
-- Serves "is this stored file still referenced?" before a file is removed.
CREATE INDEX attachment_by_sha256 ON attachment (sha256);

-- Comments per (article, status); the row with article '' (never a valid
-- article id) holds the totals per status.  Kept by the triggers below so
-- that counts, list totals and queue depth are one lookup.
CREATE TABLE comment_count (
    article TEXT    NOT NULL,
    status  TEXT    NOT NULL,
    n       INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (article, status)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER comment_count_insert AFTER INSERT ON comment
BEGIN
    INSERT INTO comment_count (article, status, n) VALUES (new.article, new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
    INSERT INTO comment_count (article, status, n) VALUES ('', new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER comment_count_update AFTER UPDATE OF status ON comment
WHEN old.status <> new.status
BEGIN
    UPDATE comment_count SET n = n - 1
        WHERE status = old.status AND article IN (old.article, '');
    INSERT INTO comment_count (article, status, n) VALUES (new.article, new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
    INSERT INTO comment_count (article, status, n) VALUES ('', new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER comment_count_delete AFTER DELETE ON comment
BEGIN
    UPDATE comment_count SET n = n - 1
        WHERE status = old.status AND article IN (old.article, '');
END;

CREATE TABLE moderator_token (
    name       TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    hash       BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
