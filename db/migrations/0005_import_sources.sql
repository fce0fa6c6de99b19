-- 0005: where imported comments came from.  An import (Disqus, WordPress,
-- a ykien export) records each comment's id in its source, so that
-- importing the same export again adds nothing.
CREATE TABLE comment_source (
    source     TEXT    NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
    source_id  TEXT    NOT NULL CHECK (length(source_id) BETWEEN 1 AND 300),
    comment_id INTEGER NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
    PRIMARY KEY (source, source_id)
) STRICT, WITHOUT ROWID;

-- Serves the sources of one comment, written with it in an export.
CREATE INDEX comment_source_by_comment ON comment_source (comment_id);
