-- 0003: keys that make posting a comment idempotent.  A form sends a random
-- Idempotency-Key with each new comment and the same key when it re-sends
-- after losing the answer; a key already stored answers with its comment
-- instead of storing the comment twice.

CREATE TABLE post_key (
    key        TEXT    PRIMARY KEY CHECK (length(key) BETWEEN 16 AND 64),
    comment_id INTEGER NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
