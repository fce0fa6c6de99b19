/* Moderator token rows on PostgreSQL.  Tokens themselves never reach this
 * layer; a revocation is in force for every process at its next request,
 * as each request looks its token up. */
#include <stdio.h>
#include <string.h>

#include "db/pg/pg.h"

struct token_write {
    const char *name;
    const unsigned char *hash; /* NULL for a revocation */
    int64_t now;
};

static enum db_status
token_add(struct db *db, void *arg)
{
    const struct token_write *w = arg;
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_text(&p, w->name);
    pg_bytes(&p, w->hash, TOKEN_HASH_BYTES);
    pg_int(&p, w->now);
    if ((st = pg_run(pg(db), PG_TOKEN_INSERT, &p, false, &r)) != DB_OK)
        return st;
    st = strcmp(PQcmdTuples(r), "1") == 0 ? DB_OK : DB_CONFLICT;
    PQclear(r);
    return st;
}

enum db_status
pg_token_add(struct db *db, const char *name,
             const unsigned char hash[TOKEN_HASH_BYTES], int64_t now)
{
    struct token_write w = {.name = name, .hash = hash, .now = now};

    return db_transaction(db, token_add, &w);
}

enum db_status
pg_token_find(struct db *db, const unsigned char hash[TOKEN_HASH_BYTES],
              char *name_buf, size_t name_len,
              unsigned char stored_hash[TOKEN_HASH_BYTES])
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_bytes(&p, hash, TOKEN_HASH_BYTES);
    /* Binary results: the hash as its 32 bytes, the name as its text. */
    if ((st = pg_run(pg(db), PG_TOKEN_FIND, &p, true, &r)) != DB_OK)
        return st;
    st = DB_NOT_FOUND;
    if (PQntuples(r) > 0 && PQgetlength(r, 0, 1) == TOKEN_HASH_BYTES) {
        snprintf(name_buf, name_len, "%.*s", PQgetlength(r, 0, 0),
                 PQgetvalue(r, 0, 0));
        memcpy(stored_hash, PQgetvalue(r, 0, 1), TOKEN_HASH_BYTES);
        st = DB_OK;
    }
    PQclear(r);
    return st;
}

enum db_status
pg_token_list(struct db *db, token_fn fn, void *arg)
{
    PGresult *r;
    enum db_status st;

    if ((st = pg_run(pg(db), PG_TOKEN_LIST, NULL, false, &r)) != DB_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        struct token_record t = {
            .name = pg_str(r, i, 0),
            .created_at = pg_i64(r, i, 1),
            .revoked_at = pg_i64(r, i, 2),
        };
        if (fn(&t, arg) != 0) {
            st = DB_ERROR;
            break;
        }
    }
    PQclear(r);
    return st;
}

static enum db_status
token_revoke(struct db *db, void *arg)
{
    const struct token_write *w = arg;
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_text(&p, w->name);
    pg_int(&p, w->now);
    if ((st = pg_run(pg(db), PG_TOKEN_REVOKE, &p, false, &r)) != DB_OK)
        return st;
    st = strcmp(PQcmdTuples(r), "1") == 0 ? DB_OK : DB_NOT_FOUND;
    PQclear(r);
    return st;
}

enum db_status
pg_token_revoke(struct db *db, const char *name, int64_t now)
{
    struct token_write w = {.name = name, .now = now};

    return db_transaction(db, token_revoke, &w);
}
