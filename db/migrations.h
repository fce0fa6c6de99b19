/* The schema migrations compiled into the binary, in order: entry i has
 * number i + 1 and brings a database from version i to i + 1.  SQLite's
 * (db/migrations/, version in PRAGMA user_version) and PostgreSQL's
 * (db/pg/migrations/, version in the table ykien_schema) are numbered
 * each on their own. */
#ifndef YKIEN_DB_MIGRATIONS_H
#define YKIEN_DB_MIGRATIONS_H

struct db_migration {
    int number;
    const char *name;
    const char *sql;
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;
extern const struct db_migration db_pg_migrations[];
extern const int db_pg_migration_count;

#endif
