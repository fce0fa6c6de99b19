/* The public calls of rules.h: dispatch to the backend
 * (db/sqlite/rules.c, db/pg/tools.c). */
#include "db/backend.h"

enum db_status
db_rule_add(struct db *db, const struct rule_record *r, int64_t *id)
{
    return DB_DISPATCH(db, rule_add, db, r, id);
}

enum db_status
db_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg)
{
    return DB_DISPATCH(db, rule_get, db, id, fn, arg);
}

enum db_status
db_rule_list(struct db *db, rule_fn fn, void *arg)
{
    return DB_DISPATCH(db, rule_list, db, fn, arg);
}

enum db_status
db_rule_delete(struct db *db, int64_t id)
{
    return DB_DISPATCH(db, rule_delete, db, id);
}

enum db_status
db_rule_generation(struct db *db, int64_t *generation)
{
    return DB_DISPATCH(db, rule_generation, db, generation);
}
