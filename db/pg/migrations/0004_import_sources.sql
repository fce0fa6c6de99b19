-- 0004: where imported comments came from (SQLite's 0005), and the counts
-- of an import added once at its end.

CREATE TABLE comment_source (
    source     text   NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
    source_id  text   NOT NULL CHECK (length(source_id) BETWEEN 1 AND 300),
    comment_id bigint NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
    PRIMARY KEY (source, source_id)
);

-- Serves the sources of one comment, written with it in an export.
CREATE INDEX comment_source_by_comment ON comment_source (comment_id);

-- An import runs in one transaction, possibly while daemons serve.  Were
-- its comments counted row by row, it would hold its shard's totals rows
-- (comment_count_change) from its first comment to its commit, and every
-- post of a daemon connection on that shard would wait for the whole
-- import.  With ykien.import set (SET LOCAL, by the import only) a new
-- comment is counted in the import's temporary table import_count instead,
-- and comment_count_add_import() adds that table at the end, in the same
-- lock order as comment_count_change().
CREATE OR REPLACE FUNCTION comment_count_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF current_setting('ykien.import', true) = 'on' THEN
            INSERT INTO import_count (article, status, n) VALUES (NEW.article, NEW.status, 1)
                ON CONFLICT (article, status) DO UPDATE SET n = import_count.n + 1;
        ELSE
            PERFORM comment_count_change(NEW.article, NULL, NEW.status);
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM comment_count_change(NEW.article, OLD.status, NEW.status);
    ELSE
        UPDATE comment_count SET n = n - 1
         WHERE article = '' AND shard = pg_backend_pid() % 16 AND status = OLD.status;
        INSERT INTO comment_count (article, status, shard, n)
            VALUES (OLD.article, OLD.status, pg_backend_pid() % 16, -1)
            ON CONFLICT (article, status, shard) DO UPDATE SET n = comment_count.n - 1;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION comment_count_add_import() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    h smallint := pg_backend_pid() % 16;
BEGIN
    UPDATE comment_count c SET n = c.n + t.n
      FROM (SELECT status, sum(n) AS n FROM import_count GROUP BY status) t
     WHERE c.article = '' AND c.shard = h AND c.status = t.status;
    INSERT INTO comment_count (article, status, shard, n)
        SELECT article, status, h, n FROM import_count ORDER BY article, status
        ON CONFLICT (article, status, shard) DO UPDATE SET n = comment_count.n + excluded.n;
    DELETE FROM import_count;
END $$;
