/* The schema migrations compiled into the binary, in order: entry i has
 * number i + 1 and brings a database from user_version i to i + 1. */
#ifndef YKIEN_DB_MIGRATIONS_H
#define YKIEN_DB_MIGRATIONS_H

struct db_migration {
    int number;
    const char *name;
    const char *sql;
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

#endif
