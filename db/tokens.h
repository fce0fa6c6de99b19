/* Storage of moderator tokens: only a SHA-256 hash of each token is kept. */
#ifndef YKIEN_DB_TOKENS_H
#define YKIEN_DB_TOKENS_H

#include <stdint.h>

#include "db/db.h"

enum { TOKEN_HASH_BYTES = 32 };

struct token_record {
    const char *name;
    int64_t created_at;
    int64_t revoked_at; /* 0: active */
};

typedef int (*token_fn)(const struct token_record *t, void *arg);

/* Writes are transactions of their own (db_transaction): not to be called
 * from a transaction's work. */

/* Adds NAME, or gives a revoked NAME a new hash; DB_CONFLICT when NAME is
 * active. */
enum db_status db_token_add(struct db *db, const char *name,
                            const unsigned char hash[TOKEN_HASH_BYTES],
                            int64_t now);
/* The name of the active token with this hash, copied into name_buf;
 * stored_hash receives the hash as stored for a constant-time comparison. */
enum db_status db_token_find(struct db *db,
                             const unsigned char hash[TOKEN_HASH_BYTES],
                             char *name_buf, size_t name_len,
                             unsigned char stored_hash[TOKEN_HASH_BYTES]);
enum db_status db_token_list(struct db *db, token_fn fn, void *arg);
/* DB_NOT_FOUND when there is no active token of that name. */
enum db_status db_token_revoke(struct db *db, const char *name, int64_t now);

#endif
