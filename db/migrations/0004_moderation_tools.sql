-- 0004: the moderators' tools: article state, word rules, flags, text
-- fingerprints for the duplicate flag, erasure, and the webhook outbox.

-- A moderator's explicit choice for an article.  No row: open, unless
-- `serve --close-after-days` has closed it (computed when read).
CREATE TABLE article_state (
    article    TEXT    PRIMARY KEY CHECK (length(article) BETWEEN 1 AND 128),
    closed     INTEGER NOT NULL CHECK (closed IN (0, 1)),
    changed_by TEXT,
    changed_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Word rules.  pattern is stored as the moderator wrote it, cleaned (NFC,
-- trimmed, white space runs as one space); the matcher folds it.
CREATE TABLE rule (
    id           INTEGER PRIMARY KEY,
    pattern      TEXT    NOT NULL CHECK (length(pattern) BETWEEN 1 AND 100),
    action       TEXT    NOT NULL CHECK (action IN ('reject', 'hold')),
    ignore_marks INTEGER NOT NULL DEFAULT 0 CHECK (ignore_marks IN (0, 1)),
    note         TEXT,
    created_by   TEXT,
    created_at   INTEGER NOT NULL
) STRICT;

-- Moves on every change to the rules, whoever makes it (this daemon,
-- another process, the sqlite3 shell): a request compares it with the
-- generation its compiled rules were built from.
CREATE TABLE rule_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;
INSERT INTO rule_generation (id, n) VALUES (1, 1);

CREATE TRIGGER rule_generation_insert AFTER INSERT ON rule
BEGIN
    UPDATE rule_generation SET n = n + 1;
END;
CREATE TRIGGER rule_generation_update AFTER UPDATE ON rule
BEGIN
    UPDATE rule_generation SET n = n + 1;
END;
CREATE TRIGGER rule_generation_delete AFTER DELETE ON rule
BEGIN
    UPDATE rule_generation SET n = n + 1;
END;

-- flagged: the comment has at least one row in flag (kept by a trigger).
-- erased_at: when a reader's data was erased; such a comment stays
-- rejected for good.
ALTER TABLE comment ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0
    CHECK (flagged IN (0, 1));
ALTER TABLE comment ADD COLUMN erased_at INTEGER;

-- Serves the queue with flagged=true, across articles and in one article.
-- Partial: a comment without flags costs these indexes nothing.
CREATE INDEX comment_flagged_by_status ON comment (status, id) WHERE flagged = 1;
CREATE INDEX comment_flagged_by_article ON comment (article, status, id) WHERE flagged = 1;

CREATE TABLE flag (
    id         INTEGER PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('rule', 'duplicate', 'links')),
    detail     TEXT    NOT NULL
) STRICT;

-- Serves the flags of one comment in the moderation form.
CREATE INDEX flag_by_comment ON flag (comment_id, id);

CREATE TRIGGER flag_marks_comment AFTER INSERT ON flag
BEGIN
    UPDATE comment SET flagged = 1 WHERE id = new.comment_id AND flagged = 0;
END;

-- Flagged comments per (article, status), '' holding the totals, like
-- comment_count: the queue's total with flagged=true|false is one lookup.
CREATE TABLE flagged_count (
    article TEXT    NOT NULL,
    status  TEXT    NOT NULL,
    n       INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (article, status)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER flagged_count_flag AFTER UPDATE OF flagged ON comment
WHEN old.flagged = 0 AND new.flagged = 1
BEGIN
    INSERT INTO flagged_count (article, status, n) VALUES (new.article, new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
    INSERT INTO flagged_count (article, status, n) VALUES ('', new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER flagged_count_status AFTER UPDATE OF status ON comment
WHEN old.status <> new.status AND old.flagged = 1 AND new.flagged = 1
BEGIN
    UPDATE flagged_count SET n = n - 1
        WHERE status = old.status AND article IN (old.article, '');
    INSERT INTO flagged_count (article, status, n) VALUES (new.article, new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
    INSERT INTO flagged_count (article, status, n) VALUES ('', new.status, 1)
        ON CONFLICT (article, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER flagged_count_delete AFTER DELETE ON comment
WHEN old.flagged = 1
BEGIN
    UPDATE flagged_count SET n = n - 1
        WHERE status = old.status AND article IN (old.article, '');
END;

-- A hash of each body as posted (NFC, case-folded, white space collapsed),
-- for the duplicate flag.  The key serves "the same text in this article";
-- article first, so that the comments of an article, which tend to arrive
-- together, share pages.  (The same address within 10 minutes is looked up
-- in memory: a second, hash-ordered index would cost every new comment
-- another random page write.)
CREATE TABLE text_fingerprint (
    article    TEXT    NOT NULL,
    hash       INTEGER NOT NULL,
    comment_id INTEGER NOT NULL,
    PRIMARY KEY (article, hash, comment_id)
) STRICT, WITHOUT ROWID;

-- History gains the action 'erased'.  SQLite cannot widen a CHECK in
-- place: the table is rebuilt with the same rows.
CREATE TABLE history_new (
    id         INTEGER PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
    action     TEXT    NOT NULL
               CHECK (action IN ('created', 'edited', 'approved', 'rejected', 'erased')),
    moderator  TEXT,
    at         INTEGER NOT NULL,
    reason     TEXT
) STRICT;
INSERT INTO history_new (id, comment_id, action, moderator, at, reason)
    SELECT id, comment_id, action, moderator, at, reason FROM history;
DROP TABLE history;
ALTER TABLE history_new RENAME TO history;

-- Serves the history of one comment in the moderation form.
CREATE INDEX history_by_comment ON history (comment_id, id);

-- Webhook events waiting for delivery: one row per event and webhook URL,
-- written in the transaction of the change it reports, deleted once the
-- receiver answered 2xx (or after 24 hours of failures).
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    event_id   TEXT    NOT NULL,
    comment_id INTEGER NOT NULL,
    webhook    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,            -- Unix seconds
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL             -- Unix milliseconds
) STRICT;

-- Serves the sender's "what is due now".
CREATE INDEX outbox_due ON outbox (next_at, id);
-- Serves "does an earlier event of this comment still wait for this
-- webhook?" (delivery in order per comment) and the scrub on erasure.
CREATE INDEX outbox_by_comment ON outbox (comment_id, webhook, id);
