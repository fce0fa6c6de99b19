/* The shared compiled rules.  One mutex guards the current set and its
 * generation; a recompilation happens under it, so threads that find the
 * same change wait for the one that compiles instead of compiling too. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/rulebook.h"
#include "db/rules.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rule_set *current;
static int64_t current_generation = -1;

struct loaded {
    struct rule_spec *specs;
    size_t n, cap;
    int failed;
};

static int
load_rule(const struct rule_record *r, void *arg)
{
    struct loaded *l = arg;
    char *pattern;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct rule_spec *bigger = realloc(l->specs, cap * sizeof *bigger);

        if (!bigger)
            return -1;
        l->specs = bigger;
        l->cap = cap;
    }
    pattern = strdup(r->pattern ? r->pattern : "");
    if (!pattern)
        return -1;
    l->specs[l->n++] = (struct rule_spec){
        .id = r->id,
        .pattern = pattern,
        .reject = r->reject,
        .ignore_marks = r->ignore_marks,
    };
    return 0;
}

/* Reads every rule and compiles them; NULL on failure. */
static struct rule_set *
compile_from(struct db *db)
{
    struct loaded l = {0};
    struct rule_set *set = NULL;

    if (db_rule_list(db, load_rule, &l) == DB_OK)
        set = rules_compile(l.specs, l.n);
    for (size_t i = 0; i < l.n; i++)
        free((char *)l.specs[i].pattern);
    free(l.specs);
    return set;
}

struct rule_set *
rulebook_acquire(struct db *db)
{
    int64_t generation;

    if (db_rule_generation(db, &generation) != DB_OK)
        return NULL;
    return rulebook_acquire_at(db, generation);
}

struct rule_set *
rulebook_acquire_at(struct db *db, int64_t generation)
{
    struct rule_set *set = NULL;

    pthread_mutex_lock(&lock);
    if (!current || current_generation != generation) {
        /* Read after the generation: rules newer than it only make the
         * next request compile once more, never leave a change unseen. */
        struct rule_set *fresh = compile_from(db);

        if (fresh) {
            rules_release(current);
            current = fresh;
            current_generation = generation;
        }
    }
    if (current && current_generation == generation) {
        rules_retain(current);
        set = current;
    }
    pthread_mutex_unlock(&lock);
    return set;
}

void
rulebook_clear(void)
{
    pthread_mutex_lock(&lock);
    rules_release(current);
    current = NULL;
    current_generation = -1;
    pthread_mutex_unlock(&lock);
}
