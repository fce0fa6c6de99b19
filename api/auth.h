/* Moderator tokens: creation, hashing and checking.  A token is 256 random
 * bits shown once; only its SHA-256 is stored, and a presented token is
 * compared with the stored hash in constant time. */
#ifndef YKIEN_API_AUTH_H
#define YKIEN_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

enum { AUTH_TOKEN_MAX = 64, AUTH_NAME_MAX = 64 };

/* A moderator name: 1-64 of A-Z a-z 0-9 . _ - @ */
bool auth_name_valid(const char *name);
/* Creates token NAME, writing the token (NUL-terminated) into token; -1 with
 * a reason in err when NAME is taken or storage fails. */
int auth_token_add(struct db *db, const char *name, char token[AUTH_TOKEN_MAX],
                   char *err, size_t err_len);
enum auth_result {
    AUTH_OK = 0,           /* an active token: its name is in name_buf */
    AUTH_DENIED = -1,      /* missing, malformed, unknown or revoked */
    AUTH_UNAVAILABLE = -2, /* the database is busy or failing: try again */
};

/* Checks an Authorization header value ("Bearer <token>").  A token that
 * could not be looked up is AUTH_UNAVAILABLE, never AUTH_DENIED: a busy
 * database must not tell a moderator that their token is wrong. */
enum auth_result auth_check(struct db *db, const char *authorization,
                            char *name_buf, size_t name_len);

#endif
