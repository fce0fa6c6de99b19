/* The command line: one table of options drives both the parser and every
 * command's --help; for serve also the configuration file and the YKIEN_*
 * environment variables.  Only fills struct config: nothing here acts on
 * it. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"

void
cfg_set_data_dir(struct config *cfg, const char *dir)
{
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", dir);
    snprintf(cfg->db_path, sizeof cfg->db_path, "%s/ykien.db", dir);
    cfg->api.data_dir = cfg->data_dir;
    cfg->db.data_dir = cfg->data_dir;
}

void
cfg_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:8080");
    cfg_parse_listen(cfg->listen, &cfg->addr, &cfg->addr_len);
    cfg_set_data_dir(cfg, "./data");
    cfg->rate_limit = 10;
    cfg->max_connections = 1024;
    cfg->timeout_seconds = 30;
    /* 4 KiB/s: a 10 MiB photo from a poor mobile link still arrives (in
     * 43 minutes); a trickle of bytes does not hold a connection. */
    cfg->min_body_rate = 4096;
    /* One worker per CPU: with the group-commit writer no worker waits on
     * a disk, so more threads only add switching. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    cfg->threads = cpus > 0 && cpus <= 64 ? (unsigned)cpus : 4;
    cfg->max_json_bytes = 64 * 1024;
    cfg->page_cache_bytes = 16 * 1024 * 1024;
    cfg->api.max_author_chars = 100;
    cfg->api.max_body_chars = 5000;
    cfg->api.text_policy = TEXT_POLICY_ANY;
    cfg->api.max_attachment_bytes = 10 * 1024 * 1024;
    cfg->api.max_attachments = 3;
    cfg->check_field = TEXT_FIELD_BODY;
}

int
cfg_parse_ip(const char *s, struct sockaddr_storage *out)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;

    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, s, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        return 0;
    }
    return -1;
}

int
cfg_parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len)
{
    char host[64];
    const char *colon;
    char *end;
    long port;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        if (host[0] == '\0')
            strcpy(host, "0.0.0.0");
    }
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (errno || colon[1] == '\0' || *end || port < 0 || port > 65535)
        return -1;
    if (cfg_parse_ip(host, out) != 0)
        return -1;
    if (out->ss_family == AF_INET) {
        ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
        *len = sizeof(struct sockaddr_in);
    } else {
        ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
        *len = sizeof(struct sockaddr_in6);
    }
    return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return -1;
    *out = strtoul(s, &end, 10);
    return errno || *end || *out > max ? -1 : 0;
}

/* ---- the option table --------------------------------------------------- */

struct option;
/* Stores val for opt in cfg; -1 when val is not valid for it. */
typedef int (*option_set)(struct config *cfg, const struct option *opt,
                          const char *val);

struct option {
    const char *name;       /* "--listen" */
    const char *arg;        /* what its value is, for --help */
    unsigned commands;      /* the CFG_* commands that take it */
    option_set set;         /* how the value is checked and stored */
    unsigned long min, max; /* for the numbers */
    const char *help;       /* its --help line: the default in parentheses */
};

static int
set_listen(struct config *cfg, const struct option *opt, const char *val)
{
    snprintf(cfg->listen, sizeof cfg->listen, "%s", val);
    return cfg_parse_listen(val, &cfg->addr, &cfg->addr_len);
}

/* A PostgreSQL connection string: a postgresql:// or postgres:// URI, or
 * libpq's key=value pairs (which always have an '='). */
static int
set_db(struct config *cfg, const struct option *opt, const char *val)
{
    if (strncmp(val, "postgresql://", 13) != 0 &&
        strncmp(val, "postgres://", 11) != 0 && !strchr(val, '='))
        return -1;
    cfg->db.url = val;
    return 0;
}

static int
set_data(struct config *cfg, const struct option *opt, const char *val)
{
    if (!*val || strlen(val) > 3000)
        return -1;
    cfg_set_data_dir(cfg, val);
    return 0;
}

/* Numbers from opt->min to opt->max: a setter per field they go to. */
static int
number(const struct option *opt, const char *val, unsigned long *n)
{
    return parse_uint(val, opt->max, n) == 0 && *n >= opt->min ? 0 : -1;
}

#define SET_NUMBER(fn, field, type)                                            \
    static int fn(struct config *cfg, const struct option *opt,                \
                  const char *val)                                             \
    {                                                                          \
        unsigned long n;                                                       \
                                                                               \
        if (number(opt, val, &n) != 0)                                         \
            return -1;                                                         \
        cfg->field = (type)n;                                                  \
        return 0;                                                              \
    }
SET_NUMBER(set_rate_limit, rate_limit, unsigned)
SET_NUMBER(set_max_connections, max_connections, unsigned)
SET_NUMBER(set_max_per_address, max_connections_per_address, unsigned)
SET_NUMBER(set_timeout, timeout_seconds, unsigned)
SET_NUMBER(set_min_body_rate, min_body_rate, unsigned)
SET_NUMBER(set_threads, threads, unsigned)
SET_NUMBER(set_max_attachment_bytes, api.max_attachment_bytes, int64_t)
SET_NUMBER(set_max_attachments, api.max_attachments, int)
SET_NUMBER(set_close_after_days, api.close_after_days, int)
#undef SET_NUMBER

static int
set_max_body_chars(struct config *cfg, const struct option *opt,
                   const char *val)
{
    unsigned long n;

    if (number(opt, val, &n) != 0)
        return -1;
    cfg->api.max_body_chars = n;
    /* Room for every character as a 6-byte JSON escape. */
    if (cfg->max_json_bytes < n * 6 + 8192)
        cfg->max_json_bytes = n * 6 + 8192;
    return 0;
}

static int
set_page_cache(struct config *cfg, const struct option *opt, const char *val)
{
    unsigned long n;

    if (number(opt, val, &n) != 0)
        return -1;
    cfg->page_cache_bytes = (size_t)n * 1024 * 1024;
    return 0;
}

/* The list options: the first value from a layer replaces what the
 * layers below gave. */
static int
set_trusted_proxy(struct config *cfg, const struct option *opt, const char *val)
{
    if (cfg->proxies_layer != cfg->layer) {
        cfg->n_proxies = 0;
        cfg->proxies_layer = cfg->layer;
    }
    if (cfg->n_proxies == CFG_MAX_PROXIES ||
        cfg_parse_ip(val, &cfg->proxies[cfg->n_proxies]) != 0)
        return -1;
    cfg->n_proxies++;
    return 0;
}

static int
set_allow_origin(struct config *cfg, const struct option *opt, const char *val)
{
    if (cfg->origins_layer != cfg->layer) {
        cfg->n_origins = 0;
        cfg->origins_layer = cfg->layer;
    }
    if (cfg->n_origins == CFG_MAX_ORIGINS || strncmp(val, "http", 4) != 0)
        return -1;
    cfg->origins[cfg->n_origins++] = val;
    return 0;
}

static int
set_webhook(struct config *cfg, const struct option *opt, const char *val)
{
    if (cfg->webhooks_layer != cfg->layer) {
        cfg->n_webhooks = 0;
        cfg->webhooks_layer = cfg->layer;
    }
    if (cfg->n_webhooks == CFG_MAX_WEBHOOKS ||
        (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) ||
        strlen(val) > 2000)
        return -1;
    cfg->webhooks[cfg->n_webhooks++] = val;
    return 0;
}

static int
set_webhook_secret_file(struct config *cfg, const struct option *opt,
                        const char *val)
{
    if (!*val)
        return -1;
    cfg->webhook_secret_file = val;
    return 0;
}

static int
set_config(struct config *cfg, const struct option *opt, const char *val)
{
    if (!*val || strlen(val) >= sizeof cfg->config_path)
        return -1;
    snprintf(cfg->config_path, sizeof cfg->config_path, "%s", val);
    return 0;
}

static int
set_article_id(struct config *cfg, const struct option *opt, const char *val)
{
    if (strcmp(val, "link") == 0)
        cfg->article_from = ARTICLE_FROM_LINK;
    else if (strcmp(val, "id") == 0)
        cfg->article_from = ARTICLE_FROM_ID;
    else if (strcmp(val, "slug") == 0)
        cfg->article_from = ARTICLE_FROM_SLUG;
    else
        return -1;
    cfg->article_from_set = true;
    return 0;
}

static int
set_text_policy(struct config *cfg, const struct option *opt, const char *val)
{
    if (strcmp(val, "any") == 0)
        cfg->api.text_policy = TEXT_POLICY_ANY;
    else if (strcmp(val, "vietnamese") == 0)
        cfg->api.text_policy = TEXT_POLICY_VIETNAMESE;
    else
        return -1;
    return 0;
}

static int
set_field(struct config *cfg, const struct option *opt, const char *val)
{
    if (strcmp(val, "body") == 0)
        cfg->check_field = TEXT_FIELD_BODY;
    else if (strcmp(val, "author") == 0)
        cfg->check_field = TEXT_FIELD_AUTHOR;
    else
        return -1;
    return 0;
}

/* Every option of every command, once, in --help order.  Defaults are set
 * by cfg_defaults(); the help text names them. */
/* clang-format off */
static const struct option options[] = {
    {"--listen", "ADDR:PORT", CFG_SERVE,
     set_listen, 0, 0,
     "address to listen on (127.0.0.1:8080)"},
    {"--config", "FILE", CFG_SERVE,
     set_config, 0, 0,
     "read options from FILE, one 'option value' a line"},
    {"--data", "DIR", CFG_SERVE | CFG_TOKEN | CFG_BACKUP | CFG_EXPORT |
                      CFG_IMPORT | CFG_IMPORT_DISQUS | CFG_IMPORT_WORDPRESS,
     set_data, 0, 0,
     "SQLite database and attachments; uploads in transit (./data)"},
    {"--db", "URL", CFG_SERVE | CFG_TOKEN | CFG_BACKUP | CFG_EXPORT |
                    CFG_IMPORT | CFG_IMPORT_DISQUS | CFG_IMPORT_WORDPRESS,
     set_db, 0, 0,
     "PostgreSQL (postgresql://... or key=value; else YKIEN_DB; else SQLite)"},
    {"--article-id", "FIELD", CFG_IMPORT_DISQUS | CFG_IMPORT_WORDPRESS,
     set_article_id, 0, 0,
     "article id from: link (URL path), id, slug (WordPress) (link)"},
    {"--rate-limit", "N", CFG_SERVE,
     set_rate_limit, 0, 1000000,
     "new comments per client address per minute (10; 0: off)"},
    {"--trusted-proxy", "ADDR", CFG_SERVE,
     set_trusted_proxy, 0, 0,
     "believe X-Forwarded-For from this peer (repeatable)"},
    {"--max-connections", "N", CFG_SERVE,
     set_max_connections, 1, 100000,
     "open connections in all (1024)"},
    {"--max-connections-per-address", "N", CFG_SERVE,
     set_max_per_address, 0, 100000,
     "open connections per client address (0: no cap)"},
    {"--timeout", "SECONDS", CFG_SERVE,
     set_timeout, 1, 3600,
     "close idle connections, and requests whose headers are not\n"
     "complete, after this (30)"},
    {"--min-body-rate", "BYTES", CFG_SERVE,
     set_min_body_rate, 0, 1UL << 30,
     "past --timeout, a body must have come at this many bytes a second\n"
     "on average, or is cut off (4096; 0: off)"},
    {"--threads", "N", CFG_SERVE,
     set_threads, 1, 256,
     "worker threads (one per CPU)"},
    {"--text-policy", "any|vietnamese", CFG_SERVE | CFG_CHECK_TEXT,
     set_text_policy, 0, 0,
     "accept any language, or Vietnamese only (any)"},
    {"--field", "body|author", CFG_CHECK_TEXT,
     set_field, 0, 0,
     "judge each line as a comment body or an author name (body)"},
    {"--max-body-chars", "N", CFG_SERVE,
     set_max_body_chars, 1, 100000,
     "longest comment body in characters (5000)"},
    {"--max-attachment-bytes", "N", CFG_SERVE,
     set_max_attachment_bytes, 1, 1UL << 32,
     "largest attachment (10485760)"},
    {"--max-attachments", "N", CFG_SERVE,
     set_max_attachments, 0, 20,
     "attachments per comment (3)"},
    {"--allow-origin", "ORIGIN", CFG_SERVE,
     set_allow_origin, 0, 0,
     "a site whose pages may call the reader API (repeatable)"},
    {"--page-cache-mb", "N", CFG_SERVE,
     set_page_cache, 0, 4096,
     "memory for rendered list pages (16; 0: no cache)"},
    {"--close-after-days", "N", CFG_SERVE,
     set_close_after_days, 0, 36500,
     "close an article N days after its first comment (0: never)"},
    {"--webhook", "URL", CFG_SERVE,
     set_webhook, 0, 0,
     "POST comment events to URL (repeatable, up to 8)"},
    {"--webhook-secret-file", "FILE", CFG_SERVE,
     set_webhook_secret_file, 0, 0,
     "the key that signs webhook events (needed with --webhook)"},
};
/* clang-format on */

enum { N_OPTIONS = sizeof options / sizeof options[0] };

/* The commands, for the top-level --help and the head of each one's. */
struct command {
    enum cfg_command cmd;
    const char *name;
    const char *summary;  /* a line of `ykien --help` */
    const char *synopsis; /* the head of its --help; options follow */
    int max_operands;     /* words that are not options */
};

static const struct command commands[] = {
    {CFG_SERVE, "serve", "run the daemon", "usage: ykien serve [options]\n", 0},
    {CFG_TOKEN, "token", "add, list or revoke moderator tokens",
     "usage: ykien token add NAME [options]     print a new token for NAME\n"
     "       ykien token list [options]         list moderators, their state\n"
     "       ykien token revoke NAME [options]  revoke NAME's token at once\n",
     2},
    {CFG_CHECK_TEXT, "check-text", "print the verdict on each line of stdin",
     "usage: ykien check-text [options]\n"
     "Reads one text per line on stdin and prints, per line, 'accept' or\n"
     "'reject<TAB>CODE' (then '<TAB>SUGGESTION' where there is one): the\n"
     "verdict POST gives a comment body.\n",
     0},
    {CFG_BACKUP, "backup", "copy the data folder while the daemon serves",
     "usage: ykien backup DEST [options]\n"
     "Copies the database (one consistent snapshot) and the attachments into\n"
     "DEST, which must not exist or be empty; serve --data DEST starts from it.\n",
     1},
    {CFG_EXPORT, "export", "write every comment as JSON Lines to stdout",
     "usage: ykien export [options] > FILE.jsonl\n"
     "One JSON object a line: each comment's moderation form, history\n"
     "included, attachments with their bytes in base64.\n",
     0},
    {CFG_IMPORT, "import", "read comments written by export",
     "usage: ykien import [FILE.jsonl] [options] < FILE.jsonl\n"
     "Reads an export (from FILE, or stdin); comments already there are\n"
     "skipped.  One transaction: a malformed line imports nothing.\n",
     1},
    {CFG_IMPORT_DISQUS, "import-disqus", "import a Disqus XML export",
     "usage: ykien import-disqus FILE.xml [options]\n"
     "Imports the posts of a Disqus export ('-' reads stdin); posts imported\n"
     "before are skipped.  --article-id: link or id (the thread's <id>).\n",
     1},
    {CFG_IMPORT_WORDPRESS, "import-wordpress", "import a WordPress WXR export",
     "usage: ykien import-wordpress FILE.xml [options]\n"
     "Imports the comments of a WordPress export ('-' reads stdin); comments\n"
     "imported before are skipped.  --article-id: link, id or slug.\n",
     1},
};

static const struct command *
command_of(enum cfg_command cmd)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].cmd == cmd)
            return &commands[i];
    return NULL;
}

static const struct option *
option_of(enum cfg_command cmd, const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if ((options[i].commands & cmd) && strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

void
cfg_usage(enum cfg_command cmd, FILE *out)
{
    const struct command *c = command_of(cmd);
    int width = 0;

    if (!c) {
        fputs("usage: ykien COMMAND [options]\n", out);
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            fprintf(out, "  %-17s %s (ykien %s --help)\n", commands[i].name,
                    commands[i].summary, commands[i].name);
        fputs("  --help, --version\n", out);
        return;
    }
    for (size_t i = 0; i < N_OPTIONS; i++) {
        int w = (int)(strlen(options[i].name) + 1 + strlen(options[i].arg));

        if (w > width)
            width = w;
    }
    fputs(c->synopsis, out);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char left[64];

        if (!(options[i].commands & cmd))
            continue;
        snprintf(left, sizeof left, "%s %s", options[i].name, options[i].arg);
        fprintf(out, "  %-*s ", width, left);
        /* A help of several lines: the next ones under the first. */
        for (const char *h = options[i].help; *h; h++) {
            fputc(*h, out);
            if (*h == '\n')
                fprintf(out, "%*s", width + 3, "");
        }
        fputc('\n', out);
    }
    fputs("  --help, --version\n", out);
}

/* Parses argv into cfg (over what it holds), in order. */
static enum cfg_result
parse_argv(enum cfg_command cmd, int argc, char **argv, struct config *cfg,
           char *err, size_t err_len)
{
    const struct command *c = command_of(cmd);

    cfg->layer = CFG_LAYER_ARGS;
    cfg->n_operands = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const struct option *opt;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return CFG_HELP;
        if (strcmp(arg, "--version") == 0)
            return CFG_VERSION;
        if (arg[0] != '-' || arg[1] == '\0') {
            if (cfg->n_operands == c->max_operands) {
                snprintf(err, err_len, "unexpected argument '%s'", arg);
                return CFG_USAGE;
            }
            cfg->operand[cfg->n_operands++] = arg;
            continue;
        }
        opt = option_of(cmd, arg);
        if (!opt) {
            snprintf(err, err_len, "unknown option %s", arg);
            return CFG_USAGE;
        }
        if (i + 1 == argc) {
            snprintf(err, err_len, "%s needs a value", arg);
            return CFG_USAGE;
        }
        if (opt->set(cfg, opt, argv[++i]) != 0) {
            snprintf(err, err_len, "invalid value for %s: '%s'", arg, argv[i]);
            return CFG_USAGE;
        }
    }
    if (!cfg->db.url && option_of(cmd, "--db")) {
        const char *env = getenv("YKIEN_DB");

        if (env && env[0] && set_db(cfg, NULL, env) != 0) {
            snprintf(err, err_len,
                     "invalid YKIEN_DB: not a PostgreSQL connection string");
            return CFG_USAGE;
        }
    }
    return CFG_OK;
}

/* A copy of val that lives as long as cfg; NULL when the room is used up. */
static const char *
keep(struct config *cfg, const char *val, size_t len)
{
    char *p;

    if (len + 1 > sizeof cfg->text - cfg->text_used)
        return NULL;
    p = cfg->text + cfg->text_used;
    memcpy(p, val, len);
    p[len] = '\0';
    cfg->text_used += len + 1;
    return p;
}

/* One "option value" line of the file; -1 with the reason in err. */
static int
file_line(struct config *cfg, char *line, char *err, size_t err_len)
{
    char name[64];
    const struct option *opt;
    const char *val;
    size_t n, vlen;

    line += strspn(line, " \t");
    n = strcspn(line, " \t");
    if (n + 3 > sizeof name) {
        snprintf(err, err_len, "unknown option '%.*s'", 40, line);
        return -1;
    }
    /* named as on the command line, with or without its dashes */
    snprintf(name, sizeof name, "%s%.*s", strncmp(line, "--", 2) ? "--" : "",
             (int)n, line);
    opt = option_of(CFG_SERVE, name);
    if (!opt || opt->set == set_config) {
        snprintf(err, err_len, "unknown option '%.*s'", (int)n, line);
        return -1;
    }
    line += n;
    line += strspn(line, " \t");
    vlen = strlen(line);
    while (vlen > 0 && isspace((unsigned char)line[vlen - 1]))
        vlen--;
    if (vlen == 0) {
        snprintf(err, err_len, "%s needs a value", name + 2);
        return -1;
    }
    val = keep(cfg, line, vlen);
    if (!val || opt->set(cfg, opt, val) != 0) {
        snprintf(err, err_len, "invalid value for %s: '%.*s'", name + 2,
                 (int)(vlen > 200 ? 200 : vlen), line);
        return -1;
    }
    return 0;
}

static int
load_file(struct config *cfg, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    char line[4096], why[512];
    int number = 0, rc = 0;

    if (!f) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    cfg->layer = CFG_LAYER_FILE;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        const char *p = line + strspn(line, " \t\r\n");

        number++;
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(err, err_len, "%s:%d: line too long", path, number);
            rc = -1;
        } else if (*p != '\0' && *p != '#' &&
                   file_line(cfg, line, why, sizeof why) != 0) {
            snprintf(err, err_len, "%s:%d: %s", path, number, why);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    return rc;
}

/* YKIEN_RATE_LIMIT for --rate-limit; a list option takes several values
 * separated by spaces or commas. */
static int
load_env(struct config *cfg, char *err, size_t err_len)
{
    cfg->layer = CFG_LAYER_ENV;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option *opt = &options[i];
        char var[64];
        const char *val;
        size_t n = 0;
        bool list =
            opt->set == set_trusted_proxy || opt->set == set_allow_origin;

        if (!(opt->commands & CFG_SERVE) || opt->set == set_config)
            continue;
        n = (size_t)snprintf(var, sizeof var, "YKIEN_%s", opt->name + 2);
        for (size_t k = 6; k < n; k++)
            var[k] = var[k] == '-' ? '_' : (char)toupper((unsigned char)var[k]);
        val = getenv(var);
        if (!val)
            continue;
        while (*val) {
            size_t len = list ? strcspn(val, " ,\t") : strlen(val);
            const char *kept = len ? keep(cfg, val, len) : NULL;

            if (len && (!kept || opt->set(cfg, opt, kept) != 0)) {
                snprintf(err, err_len, "invalid value in %s: '%.*s'", var,
                         (int)(len > 200 ? 200 : len), val);
                return -1;
            }
            val += len;
            val += strspn(val, " ,\t");
        }
    }
    return 0;
}

enum cfg_result
cfg_parse(enum cfg_command cmd, int argc, char **argv, struct config *cfg,
          char *err, size_t err_len)
{
    enum cfg_result r;
    char path[sizeof cfg->config_path];
    const char *env_path;

    cfg_defaults(cfg);
    /* First the command line alone: --help, --version and its mistakes
     * decide before a file is read; it also names the file. */
    r = parse_argv(cmd, argc, argv, cfg, err, err_len);
    if (r != CFG_OK || cmd != CFG_SERVE)
        return r;
    snprintf(path, sizeof path, "%s", cfg->config_path);
    env_path = getenv("YKIEN_CONFIG");
    if (!path[0] && env_path && *env_path)
        snprintf(path, sizeof path, "%s", env_path);

    /* Then the layers, lowest first. */
    cfg_defaults(cfg);
    if (path[0] && load_file(cfg, path, err, err_len) != 0)
        return CFG_USAGE;
    if (load_env(cfg, err, err_len) != 0)
        return CFG_USAGE;
    r = parse_argv(cmd, argc, argv, cfg, err, err_len);
    snprintf(cfg->config_path, sizeof cfg->config_path, "%s", path);
    if (r != CFG_OK)
        return r;
    if (cfg->n_webhooks > 0 && !cfg->webhook_secret_file) {
        snprintf(err, err_len, "--webhook needs --webhook-secret-file");
        return CFG_USAGE;
    }
    cfg->api.webhooks = cfg->webhooks;
    cfg->api.n_webhooks = cfg->n_webhooks;
    return CFG_OK;
}
