/* ykien's command line: serve, token add|list|revoke, check-text, and the
 * operations commands backup, export, import, import-disqus and
 * import-wordpress (their work is in ops/).
 * Exit status: 0 success, 2 usage error, 1 any other failure, always with
 * a one-line reason on stderr. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/attachments.h"
#include "api/auth.h"
#include "api/comment.h"
#include "api/rulebook.h"
#include "db/db.h"
#include "db/tokens.h"
#include "ops/backup.h"
#include "ops/import_xml.h"
#include "ops/jsonl.h"
#include "server/config.h"
#include "server/http.h"
#include "server/log.h"
#include "server/webhook.h"
#include "ykien_version.h"

enum { EXIT_USAGE = 2, STOP_WAIT_SECONDS = 30 };

/* A one-line reason, then cmd's usage, on stderr. */
__attribute__((format(printf, 2, 3))) static int
usage_error(enum cfg_command cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "ykien: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    cfg_usage(cmd, stderr);
    return EXIT_USAGE;
}

/* Parses cmd's arguments into cfg.  Returns -1 when the command should go
 * on, or the exit status: --help, --version and usage errors end it here. */
static int
parse_args(enum cfg_command cmd, int argc, char **argv, struct config *cfg)
{
    char err[512];

    switch (cfg_parse(cmd, argc, argv, cfg, err, sizeof err)) {
    case CFG_HELP:
        cfg_usage(cmd, stdout);
        return 0;
    case CFG_VERSION:
        puts("ykien " YKIEN_VERSION);
        return 0;
    case CFG_USAGE:
        return usage_error(cmd, "%s", err);
    case CFG_OK:
        break;
    }
    return -1;
}

/* Creates DIR and DIR/tmp (uploads being received) if missing; checks they
 * are writable.  The storage makes what it needs itself (SQLite:
 * DIR/ykien.db and DIR/files). */
static int
prepare_data_dir(const char *dir, char *err, size_t err_len)
{
    const char *subdirs[] = {"", "/tmp"};

    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char path[4200];

        snprintf(path, sizeof path, "%s%s", dir, subdirs[i]);
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            snprintf(err, err_len, "cannot create %s: %s", path,
                     strerror(errno));
            return -1;
        }
        if (access(path, W_OK | X_OK) != 0) {
            snprintf(err, err_len, "data folder %s is not writable: %s", path,
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int
open_data(const struct config *cfg, struct db **db)
{
    char err[8800];

    if (prepare_data_dir(cfg->data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "ykien: %s\n", err);
        return -1;
    }
    if (db_connect(&cfg->db, db, err, sizeof err) != 0) {
        fprintf(stderr, "ykien: %s\n", err);
        return -1;
    }
    return 0;
}

static int
cmd_serve(int argc, char **argv)
{
    static struct config cfg;
    char err[512];
    struct server *srv;
    struct webhook_sender *sender = NULL;
    struct db *db;
    sigset_t stop;
    int sig = 0, rc;

    if ((rc = parse_args(CFG_SERVE, argc, argv, &cfg)) >= 0)
        return rc;
    /* Migrate and sweep once, before any request. */
    if (open_data(&cfg, &db) != 0)
        return 1;
    if (attachment_sweep(&cfg.api, db) != 0)
        log_error("sweeping unreferenced attachments: %s", db_errmsg(db));
    db_close(db);

    /* Worker threads inherit this mask; only sigwait() below sees them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (cfg.n_webhooks > 0) {
        unsigned char *secret;
        size_t secret_len;

        if (webhook_read_secret(cfg.webhook_secret_file, &secret, &secret_len,
                                err, sizeof err) != 0) {
            fprintf(stderr, "ykien: %s\n", err);
            return 1;
        }
        sender = webhook_start(&cfg, secret, secret_len, err, sizeof err);
        sodium_memzero(secret, secret_len);
        free(secret);
        if (!sender) {
            fprintf(stderr, "ykien: %s\n", err);
            return 1;
        }
    }
    srv = http_start(&cfg, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "ykien: %s\n", err);
        webhook_stop(sender);
        return 1;
    }
    log_info("ykien %s listening on %s (port %u), data in %s", YKIEN_VERSION,
             cfg.listen, http_port(srv),
             cfg.db.url ? "PostgreSQL" : cfg.data_dir);
    sigwait(&stop, &sig);
    log_info("stopping on signal %d: finishing requests in flight", sig);
    http_stop(srv, STOP_WAIT_SECONDS);
    webhook_stop(sender);
    rulebook_clear();
    log_info("stopped");
    return 0;
}

static int
print_token(const struct token_record *t, void *arg)
{
    char created[32], revoked[32];
    struct tm tm;
    time_t when = (time_t)t->created_at;

    (void)arg;
    gmtime_r(&when, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (t->revoked_at) {
        when = (time_t)t->revoked_at;
        gmtime_r(&when, &tm);
        strftime(revoked, sizeof revoked, "revoked %Y-%m-%dT%H:%M:%SZ", &tm);
    } else {
        snprintf(revoked, sizeof revoked, "active");
    }
    printf("%s\t%s\t%s\n", t->name, created, revoked);
    return 0;
}

static int
cmd_token(int argc, char **argv)
{
    static struct config cfg;
    const char *verb, *name;
    struct db *db = NULL;
    int rc;

    if ((rc = parse_args(CFG_TOKEN, argc, argv, &cfg)) >= 0)
        return rc;
    rc = 1;
    verb = cfg.n_operands > 0 ? cfg.operand[0] : NULL;
    name = cfg.n_operands > 1 ? cfg.operand[1] : NULL;
    if (!verb)
        return usage_error(CFG_TOKEN, "%s", "missing sub-command");
    if (strcmp(verb, "list") == 0) {
        if (name)
            return usage_error(CFG_TOKEN, "unexpected argument '%s'", name);
    } else if (strcmp(verb, "add") == 0 || strcmp(verb, "revoke") == 0) {
        if (!name)
            return usage_error(CFG_TOKEN, "%s needs a NAME", verb);
        if (!auth_name_valid(name))
            return usage_error(
                CFG_TOKEN, "invalid NAME '%s' (1-64 of A-Z a-z 0-9 . _ - @)",
                name);
    } else {
        return usage_error(CFG_TOKEN, "unknown sub-command '%s'", verb);
    }
    if (open_data(&cfg, &db) != 0)
        return 1;
    if (strcmp(verb, "add") == 0) {
        char token[AUTH_TOKEN_MAX], err[256];

        if (auth_token_add(db, name, token, err, sizeof err) != 0) {
            fprintf(stderr, "ykien: %s\n", err);
            goto out;
        }
        printf("%s\n", token);
        sodium_memzero(token, sizeof token);
    } else if (strcmp(verb, "revoke") == 0) {
        enum db_status st = db_token_revoke(db, name, (int64_t)time(NULL));

        if (st == DB_NOT_FOUND) {
            fprintf(stderr, "ykien: no active token named %s\n", name);
            goto out;
        }
        if (st != DB_OK) {
            fprintf(stderr, "ykien: cannot revoke: %s\n", db_errmsg(db));
            goto out;
        }
        fprintf(stderr, "ykien: revoked %s\n", name);
    } else if (db_token_list(db, print_token, NULL) != DB_OK) {
        fprintf(stderr, "ykien: cannot list tokens: %s\n", db_errmsg(db));
        goto out;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
out:
    db_close(db);
    return rc;
}

static int
cmd_check_text(int argc, char **argv)
{
    static struct config cfg;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc;

    if ((rc = parse_args(CFG_CHECK_TEXT, argc, argv, &cfg)) >= 0)
        return rc;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        char *clean = NULL, *suggestion = NULL;
        enum api_error e;

        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        e = comment_clean_text(&cfg.api, cfg.check_field, line, (size_t)len,
                               &clean, &suggestion);
        if (e == API_OK) {
            puts("accept");
        } else if (suggestion) {
            /* A suggestion is one line, as its input was. */
            for (char *p = suggestion; *p; p++) {
                if (*p == '\t' || *p == '\n')
                    *p = ' ';
            }
            printf("reject\t%s\t%s\n", api_error_code(e), suggestion);
        } else {
            printf("reject\t%s\n", api_error_code(e));
        }
        free(clean);
        free(suggestion);
    }
    free(line);
    if (ferror(stdin) || fflush(stdout) != 0) {
        fprintf(stderr, "ykien: check-text: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* Writes s as one word for a POSIX shell: in single quotes, each single
 * quote of s written '\'' (nothing else is special there). */
static void
put_shell_word(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

static int
cmd_backup(int argc, char **argv)
{
    static struct config cfg;
    struct backup_report r;
    char err[9000];
    int rc;

    if ((rc = parse_args(CFG_BACKUP, argc, argv, &cfg)) >= 0)
        return rc;
    if (cfg.n_operands != 1)
        return usage_error(CFG_BACKUP, "%s", "missing DEST");
    if (cfg.db.url) {
        /* Attachments are rows of the database there: a dump is all of
         * it.  The connection string is the operator's own; from the
         * environment it is named, not printed. */
        const char *env = getenv("YKIEN_DB");
        bool from_env = env && strcmp(env, cfg.db.url) == 0;

        fputs("ykien: backup: the database is on PostgreSQL, which backs "
              "itself up (attachments included): run mkdir -p ",
              stderr);
        put_shell_word(stderr, cfg.operand[0]);
        fputs(" && pg_dump --format=custom --file=", stderr);
        put_shell_word(stderr, cfg.operand[0]);
        fputs("/ykien.pgdump ", stderr);
        if (from_env)
            fputs("\"$YKIEN_DB\"", stderr);
        else
            put_shell_word(stderr, cfg.db.url);
        fputc('\n', stderr);
        return 1;
    }
    if (backup_run(cfg.data_dir, cfg.operand[0], &r, err, sizeof err) != 0) {
        fprintf(stderr, "ykien: backup: %s\n", err);
        return 1;
    }
    printf("backup of %s in %s: database %.2f s; attachment files: %lld "
           "linked, %lld copied, %lld gone, %.2f s\n",
           cfg.data_dir, cfg.operand[0], r.db_seconds,
           (long long)r.files_linked, (long long)r.files_copied,
           (long long)r.files_missing, r.files_seconds);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Opens the database of an existing data folder (export never makes one). */
static int
open_existing(const struct config *cfg, struct db **db)
{
    if (!cfg->db.url && access(cfg->db_path, F_OK) != 0) {
        fprintf(stderr, "ykien: no database in %s: %s\n", cfg->data_dir,
                strerror(errno));
        return -1;
    }
    return open_data(cfg, db);
}

static int
cmd_export(int argc, char **argv)
{
    static struct config cfg;
    struct db *db;
    char err[512];
    int64_t n;
    int rc;

    if ((rc = parse_args(CFG_EXPORT, argc, argv, &cfg)) >= 0)
        return rc;
    if (open_existing(&cfg, &db) != 0)
        return 1;
    rc = jsonl_export(db, &cfg.api, stdout, &n, err, sizeof err);
    db_close(db);
    if (rc != 0) {
        fprintf(stderr, "ykien: export: %s\n", err);
        return 1;
    }
    fprintf(stderr, "ykien: exported %lld comments\n", (long long)n);
    return 0;
}

static int
cmd_import(int argc, char **argv)
{
    static struct config cfg;
    struct import_report r;
    const char *name = "stdin";
    FILE *in = stdin;
    struct db *db;
    char err[1024];
    int rc;

    if ((rc = parse_args(CFG_IMPORT, argc, argv, &cfg)) >= 0)
        return rc;
    if (cfg.n_operands == 1 && strcmp(cfg.operand[0], "-") != 0) {
        name = cfg.operand[0];
        in = fopen(name, "r");
        if (!in) {
            fprintf(stderr, "ykien: cannot open %s: %s\n", name,
                    strerror(errno));
            return 1;
        }
    }
    if (open_data(&cfg, &db) != 0) {
        if (in != stdin)
            fclose(in);
        return 1;
    }
    rc = jsonl_import(db, &cfg.api, in, name, &r, err, sizeof err);
    db_close(db);
    if (in != stdin)
        fclose(in);
    if (rc != 0) {
        fprintf(stderr, "ykien: import: %s; nothing was imported\n", err);
        return 1;
    }
    report_print(&r, stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int
cmd_import_xml(enum cfg_command cmd, int argc, char **argv)
{
    static struct config cfg;
    struct import_options o = {0};
    struct import_report r;
    struct db *db;
    char err[1024];
    int rc;

    if ((rc = parse_args(cmd, argc, argv, &cfg)) >= 0)
        return rc;
    if (cfg.n_operands != 1)
        return usage_error(cmd, "%s", "missing FILE.xml");
    o.format = cmd == CFG_IMPORT_DISQUS ? IMPORT_DISQUS : IMPORT_WORDPRESS;
    o.article_from = cfg.article_from;
    if (o.format == IMPORT_DISQUS && o.article_from == ARTICLE_FROM_SLUG)
        return usage_error(cmd, "%s",
                           "--article-id slug is for WordPress; "
                           "Disqus threads have link or id");
    o.path = cfg.operand[0];
    o.progress = isatty(STDERR_FILENO);
    if (open_data(&cfg, &db) != 0)
        return 1;
    rc = import_xml(db, &o, &r, err, sizeof err);
    db_close(db);
    if (rc != 0) {
        fprintf(stderr, "ykien: %s; nothing was imported\n", err);
        return 1;
    }
    report_print(&r, stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (sodium_init() < 0) {
        fprintf(stderr, "ykien: cannot initialise libsodium\n");
        return 1;
    }
    if (!cmd)
        return usage_error(CFG_TOP, "%s", "missing command");
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        cfg_usage(CFG_TOP, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        puts("ykien " YKIEN_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "token") == 0)
        return cmd_token(argc - 2, argv + 2);
    if (strcmp(cmd, "check-text") == 0)
        return cmd_check_text(argc - 2, argv + 2);
    if (strcmp(cmd, "backup") == 0)
        return cmd_backup(argc - 2, argv + 2);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc - 2, argv + 2);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(argc - 2, argv + 2);
    if (strcmp(cmd, "import-disqus") == 0)
        return cmd_import_xml(CFG_IMPORT_DISQUS, argc - 2, argv + 2);
    if (strcmp(cmd, "import-wordpress") == 0)
        return cmd_import_xml(CFG_IMPORT_WORDPRESS, argc - 2, argv + 2);
    return usage_error(CFG_TOP, "unknown command '%s'", cmd);
}
