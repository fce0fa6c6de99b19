-- 0006: an import counts its comments in rows it only appends.  Counted
-- with ON CONFLICT DO UPDATE on (article, status), as 0004 had it, every
-- comment updated the same few rows of import_count again; the versions
-- of a row piled up within the import's transaction (under its
-- savepoints, as multixacts), and each new comment walked them all: a
-- third of the import's time on a 100,000-comment file.  import_count has
-- no key now (db/pg/imports.c makes it), and comment_count_add_import()
-- sums its rows at the end.

CREATE OR REPLACE FUNCTION comment_count_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF current_setting('ykien.import', true) = 'on' THEN
            INSERT INTO import_count (article, status, n) VALUES (NEW.article, NEW.status, 1);
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

CREATE OR REPLACE FUNCTION comment_count_add_import() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    h smallint := pg_backend_pid() % 16;
BEGIN
    UPDATE comment_count c SET n = c.n + t.n
      FROM (SELECT status, sum(n) AS n FROM import_count GROUP BY status) t
     WHERE c.article = '' AND c.shard = h AND c.status = t.status;
    INSERT INTO comment_count (article, status, shard, n)
        SELECT article, status, h, sum(n) FROM import_count
         GROUP BY article, status ORDER BY article, status
        ON CONFLICT (article, status, shard) DO UPDATE SET n = comment_count.n + excluded.n;
    DELETE FROM import_count;
END $$;
