/* ykien's command line: serve, token add|list|revoke, check-text.
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
#include "server/config.h"
#include "server/http.h"
#include "server/log.h"
#include "server/webhook.h"
#include "ykien_version.h"

enum { EXIT_USAGE = 2, STOP_WAIT_SECONDS = 30 };

static const char main_usage[] =
    "usage: ykien COMMAND [options]\n"
    "  serve        run the daemon (ykien serve --help)\n"
    "  token        add, list or revoke moderator tokens (ykien token --help)\n"
    "  check-text   print the verdict on each line of stdin (ykien check-text --help)\n"
    "  --help, --version\n";

static const char token_usage[] =
    "usage: ykien token add NAME [--data DIR]    print a new token for moderator NAME\n"
    "       ykien token list [--data DIR]        list moderators and their state\n"
    "       ykien token revoke NAME [--data DIR] revoke NAME's token at once\n";

static const char check_text_usage[] =
    "usage: ykien check-text [--text-policy any|vietnamese] [--field body|author]\n"
    "Reads one text per line on stdin and prints, per line, 'accept' or\n"
    "'reject<TAB>CODE' (then '<TAB>SUGGESTION' where there is one): the verdict\n"
    "POST gives a comment body.\n";

__attribute__((format(printf, 2, 3))) static int
usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "ykien: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

static int
is_flag(const char *arg, const char *flag)
{
    return strcmp(arg, flag) == 0;
}

/* Creates DIR and DIR/tmp, DIR/files if missing; checks they are writable. */
static int
prepare_data_dir(const char *dir, char *err, size_t err_len)
{
    const char *subdirs[] = {"", "/tmp", "/files"};

    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char path[4200];

        snprintf(path, sizeof path, "%s%s", dir, subdirs[i]);
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        if (access(path, W_OK | X_OK) != 0) {
            snprintf(err, err_len, "data folder %s is not writable: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int
open_data(const char *dir, struct db **db)
{
    char err[8800], path[4200];

    if (prepare_data_dir(dir, err, sizeof err) != 0) {
        fprintf(stderr, "ykien: %s\n", err);
        return -1;
    }
    snprintf(path, sizeof path, "%s/ykien.db", dir);
    if (db_open(path, db, err, sizeof err) != 0) {
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
    int sig = 0;

    switch (cfg_parse_serve(argc, argv, &cfg, err, sizeof err)) {
    case CFG_HELP:
        fputs(cfg_serve_usage, stdout);
        return 0;
    case CFG_VERSION:
        puts("ykien " YKIEN_VERSION);
        return 0;
    case CFG_USAGE:
        return usage_error(cfg_serve_usage, "%s", err);
    case CFG_OK:
        break;
    }
    /* Migrate and sweep once, before any request. */
    if (open_data(cfg.data_dir, &db) != 0)
        return 1;
    attachment_sweep(&cfg.api, db);
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

        if (webhook_read_secret(cfg.webhook_secret_file, &secret, &secret_len, err,
                                sizeof err) != 0) {
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
    log_info("ykien %s listening on %s (port %u), data in %s", YKIEN_VERSION, cfg.listen,
             http_port(srv), cfg.data_dir);
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
    const char *verb = NULL, *name = NULL, *dir = "./data";
    struct db *db = NULL;
    int rc = 1;

    for (int i = 0; i < argc; i++) {
        if (is_flag(argv[i], "--help") || is_flag(argv[i], "-h")) {
            fputs(token_usage, stdout);
            return 0;
        }
        if (is_flag(argv[i], "--version")) {
            puts("ykien " YKIEN_VERSION);
            return 0;
        }
        if (is_flag(argv[i], "--data")) {
            if (i + 1 == argc)
                return usage_error(token_usage, "%s needs a value", "--data");
            dir = argv[++i];
        } else if (argv[i][0] == '-') {
            return usage_error(token_usage, "unknown option %s", argv[i]);
        } else if (!verb) {
            verb = argv[i];
        } else if (!name) {
            name = argv[i];
        } else {
            return usage_error(token_usage, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!verb)
        return usage_error(token_usage, "%s", "missing sub-command");
    if (strcmp(verb, "list") == 0) {
        if (name)
            return usage_error(token_usage, "unexpected argument '%s'", name);
    } else if (strcmp(verb, "add") == 0 || strcmp(verb, "revoke") == 0) {
        if (!name)
            return usage_error(token_usage, "%s needs a NAME", verb);
        if (!auth_name_valid(name))
            return usage_error(token_usage,
                               "invalid NAME '%s' (1-64 of A-Z a-z 0-9 . _ - @)", name);
    } else {
        return usage_error(token_usage, "unknown sub-command '%s'", verb);
    }
    if (open_data(dir, &db) != 0)
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
    struct api_config cfg = {
        .max_author_chars = 100, .max_body_chars = 5000, .text_policy = TEXT_POLICY_ANY,
    };
    enum text_field field = TEXT_FIELD_BODY;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    for (int i = 0; i < argc; i++) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (is_flag(argv[i], "--help") || is_flag(argv[i], "-h")) {
            fputs(check_text_usage, stdout);
            return 0;
        }
        if (is_flag(argv[i], "--version")) {
            puts("ykien " YKIEN_VERSION);
            return 0;
        }
        if (is_flag(argv[i], "--text-policy") && val) {
            if (strcmp(val, "vietnamese") == 0)
                cfg.text_policy = TEXT_POLICY_VIETNAMESE;
            else if (strcmp(val, "any") != 0)
                return usage_error(check_text_usage, "invalid --text-policy '%s'", val);
            i++;
        } else if (is_flag(argv[i], "--field") && val) {
            if (strcmp(val, "author") == 0)
                field = TEXT_FIELD_AUTHOR;
            else if (strcmp(val, "body") != 0)
                return usage_error(check_text_usage, "invalid --field '%s'", val);
            i++;
        } else {
            return usage_error(check_text_usage, "unexpected argument '%s'", argv[i]);
        }
    }
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        char *clean = NULL, *suggestion = NULL;
        enum api_error e;

        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        e = comment_clean_text(&cfg, field, line, (size_t)len, &clean, &suggestion);
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

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (sodium_init() < 0) {
        fprintf(stderr, "ykien: cannot initialise libsodium\n");
        return 1;
    }
    if (!cmd)
        return usage_error(main_usage, "%s", "missing command");
    if (is_flag(cmd, "--help") || is_flag(cmd, "-h")) {
        fputs(main_usage, stdout);
        return 0;
    }
    if (is_flag(cmd, "--version")) {
        puts("ykien " YKIEN_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "token") == 0)
        return cmd_token(argc - 2, argv + 2);
    if (strcmp(cmd, "check-text") == 0)
        return cmd_check_text(argc - 2, argv + 2);
    return usage_error(main_usage, "unknown command '%s'", cmd);
}
