/* The public calls of tokens.h: dispatch to the backend
 * (db/sqlite/tokens.c, db/pg/tokens.c). */
#include "db/backend.h"

enum db_status
db_token_add(struct db *db, const char *name,
             const unsigned char hash[TOKEN_HASH_BYTES], int64_t now)
{
    return DB_DISPATCH(db, token_add, db, name, hash, now);
}

enum db_status
db_token_find(struct db *db, const unsigned char hash[TOKEN_HASH_BYTES],
              char *name_buf, size_t name_len,
              unsigned char stored_hash[TOKEN_HASH_BYTES])
{
    return DB_DISPATCH(db, token_find, db, hash, name_buf, name_len,
                       stored_hash);
}

enum db_status
db_token_list(struct db *db, token_fn fn, void *arg)
{
    return DB_DISPATCH(db, token_list, db, fn, arg);
}

enum db_status
db_token_revoke(struct db *db, const char *name, int64_t now)
{
    return DB_DISPATCH(db, token_revoke, db, name, now);
}
