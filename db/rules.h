/* Storage of word rules.  The rule_generation row moves on every change
 * (triggers), so a process can tell cheaply whether the rules it compiled
 * are still those in force, whoever changed them.
 *
 * Ownership: strings handed to callbacks are borrowed from SQLite and
 * valid only during the call. */
#ifndef YKIEN_DB_RULES_H
#define YKIEN_DB_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct rule_record {
    int64_t id;
    const char *pattern;
    bool reject; /* "reject"; false: "hold" */
    bool ignore_marks;
    const char *note;       /* may be NULL */
    const char *created_by; /* may be NULL */
    int64_t created_at;
};

typedef int (*rule_fn)(const struct rule_record *r, void *arg);

enum db_status db_rule_add(struct db *db, const struct rule_record *r,
                           int64_t *id);
/* Calls fn once with rule id, or returns DB_NOT_FOUND. */
enum db_status db_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg);
/* Every rule, oldest first. */
enum db_status db_rule_list(struct db *db, rule_fn fn, void *arg);
/* DB_NOT_FOUND when there is no such rule. */
enum db_status db_rule_delete(struct db *db, int64_t id);
enum db_status db_rule_generation(struct db *db, int64_t *generation);

#endif
