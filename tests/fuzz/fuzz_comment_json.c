/* Fuzz target: the JSON body of POST /api/v1/articles/{article}/comments,
 * through api_comment_prepare() as the server calls it (parsing, field
 * types, Unicode clean-up, the text checker, e-mail, parent lookup), under
 * both text policies.  The database is opened once, in a scratch folder,
 * and holds two comments so that parent_id can be found (1, same article),
 * belong elsewhere (2) or be missing (anything else).
 *
 * Invariants: success gives a job and no reply; failure gives no job, a
 * 4xx (a 5xx would be our fault, not the client's) and an error object
 * with a code and a message; a body the Vietnamese-only policy accepts is
 * accepted by the permissive one too. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/handlers.h"
#include "db/comments.h"
#include "db/db.h"
#include "fuzz.h"

static char data_dir[4096];
static struct db *db;

static void
teardown(void)
{
    db_close(db);
    fuzz_rm_tree(data_dir);
}

/* The transaction's work: the comments replies may name, ids 1 and 2. */
static enum db_status
insert_parents(struct db *conn, void *arg)
{
    static const struct comment_new parents[] = {
        {.article = "fz",
         .author = "Lan",
         .body = "Bài viết hay quá.",
         .client_addr = "127.0.0.1",
         .created_at = 1},
        {.article = "other",
         .author = "Minh",
         .body = "Cảm ơn tác giả.",
         .client_addr = "127.0.0.1",
         .created_at = 2},
    };
    int64_t id;

    (void)arg;
    for (size_t i = 0; i < sizeof parents / sizeof parents[0]; i++) {
        enum db_status st = db_comment_insert(conn, &parents[i], &id);

        if (st != DB_OK)
            return st;
        if (id != (int64_t)i + 1)
            return DB_ERROR;
    }
    return DB_OK;
}

static void
setup(void)
{
    char path[4200], err[256];

    fuzz_make_data_dir(data_dir);
    snprintf(path, sizeof path, "%s/ykien.db", data_dir);
    if (db_open(path, &db, err, sizeof err) != 0)
        fuzz_die(err);
    atexit(teardown);
    if (db_transaction(db, insert_parents, NULL) != DB_OK)
        fuzz_die("inserting the parent comments");
}

static void
check_error_reply(const struct api_call *c)
{
    json_t *err = json_object_get(c->reply, "error");
    json_t *code = json_object_get(err, "code");
    json_t *suggestion = json_object_get(err, "suggestion");

    FUZZ_CHECK(c->status >= 400 && c->status < 500);
    FUZZ_CHECK(json_is_object(err));
    FUZZ_CHECK(json_is_string(code) && json_string_length(code) > 0);
    FUZZ_CHECK(json_is_string(json_object_get(err, "message")));
    FUZZ_CHECK(!suggestion || json_is_string(suggestion));
}

/* Returns whether the call succeeded. */
static int
prepare_once(const struct api_config *cfg, enum api_lang lang, const char *body,
             size_t len)
{
    struct api_call c = {
        .cfg = cfg,
        .db = db,
        .lang = lang,
        .article = "fz",
        .body = body,
        .body_len = len,
        .client_addr = "127.0.0.1",
    };
    struct comment_job *job =
        (struct comment_job *)&c; /* must be overwritten */
    int rc = api_comment_prepare(&c, &job);

    if (rc == 0) {
        FUZZ_CHECK(job != NULL);
        FUZZ_CHECK(c.reply == NULL && c.status == 0);
    } else {
        FUZZ_CHECK(rc == -1);
        FUZZ_CHECK(job == NULL);
        check_error_reply(&c);
    }
    api_comment_job_free(job);
    api_call_clear(&c);
    return rc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct api_config cfg = {
        .max_author_chars = 100,
        .max_body_chars = 5000,
        .text_policy = TEXT_POLICY_ANY,
        .max_attachment_bytes = 10 * 1024 * 1024,
        .max_attachments = 3,
    };
    /* The server hands over a NUL-terminated copy of the body. */
    char *body = malloc(size + 1);
    int any, vietnamese;

    if (!db)
        setup();
    cfg.data_dir = data_dir;
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    any = prepare_once(&cfg, API_LANG_VI, body, size);
    cfg.text_policy = TEXT_POLICY_VIETNAMESE;
    vietnamese = prepare_once(&cfg, API_LANG_EN, body, size);
    FUZZ_CHECK(!vietnamese || any);
    free(body);
    return 0;
}
