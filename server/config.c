/* The command line: one table of options drives both the parser and every
 * command's --help.  Only fills struct config: nothing here acts on it. */
#include <arpa/inet.h>
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
typedef int (*option_set)(struct config *cfg, const struct option *opt, const char *val);

struct option {
    const char *name;           /* "--listen" */
    const char *arg;            /* what its value is, for --help */
    unsigned commands;          /* the CFG_* commands that take it */
    option_set set;             /* how the value is checked and stored */
    unsigned long min, max;     /* for the numbers */
    const char *help;           /* its --help line: the default in parentheses */
};

static int
set_listen(struct config *cfg, const struct option *opt, const char *val)
{
    snprintf(cfg->listen, sizeof cfg->listen, "%s", val);
    return cfg_parse_listen(val, &cfg->addr, &cfg->addr_len);
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

#define SET_NUMBER(fn, field, type)                                             \
    static int fn(struct config *cfg, const struct option *opt, const char *val) \
    {                                                                           \
        unsigned long n;                                                        \
                                                                                \
        if (number(opt, val, &n) != 0)                                          \
            return -1;                                                          \
        cfg->field = (type)n;                                                   \
        return 0;                                                               \
    }
SET_NUMBER(set_rate_limit, rate_limit, unsigned)
SET_NUMBER(set_max_connections, max_connections, unsigned)
SET_NUMBER(set_max_per_address, max_connections_per_address, unsigned)
SET_NUMBER(set_timeout, timeout_seconds, unsigned)
SET_NUMBER(set_min_body_rate, min_body_rate, unsigned)
SET_NUMBER(set_threads, threads, unsigned)
SET_NUMBER(set_max_attachment_bytes, api.max_attachment_bytes, int64_t)
SET_NUMBER(set_max_attachments, api.max_attachments, int)
#undef SET_NUMBER

static int
set_max_body_chars(struct config *cfg, const struct option *opt, const char *val)
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

static int
set_trusted_proxy(struct config *cfg, const struct option *opt, const char *val)
{
    if (cfg->n_proxies == CFG_MAX_PROXIES || cfg_parse_ip(val, &cfg->proxies[cfg->n_proxies]) != 0)
        return -1;
    cfg->n_proxies++;
    return 0;
}

static int
set_allow_origin(struct config *cfg, const struct option *opt, const char *val)
{
    if (cfg->n_origins == CFG_MAX_ORIGINS || strncmp(val, "http", 4) != 0)
        return -1;
    cfg->origins[cfg->n_origins++] = val;
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
    {"--data", "DIR", CFG_SERVE | CFG_TOKEN,
     set_data, 0, 0,
     "database and attachments (./data)"},
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
};
/* clang-format on */

enum { N_OPTIONS = sizeof options / sizeof options[0] };

/* The commands, for the top-level --help and the head of each one's. */
struct command {
    enum cfg_command cmd;
    const char *name;
    const char *summary;        /* a line of `ykien --help` */
    const char *synopsis;       /* the head of its --help; options follow */
    int max_operands;           /* words that are not options */
};

static const struct command commands[] = {
    {CFG_SERVE, "serve", "run the daemon",
     "usage: ykien serve [options]\n", 0},
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
            fprintf(out, "  %-12s %s (ykien %s --help)\n", commands[i].name, commands[i].summary,
                    commands[i].name);
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
        fprintf(out, "  %-*s %s\n", width, left, options[i].help);
    }
    fputs("  --help, --version\n", out);
}

enum cfg_result
cfg_parse(enum cfg_command cmd, int argc, char **argv, struct config *cfg, char *err,
          size_t err_len)
{
    const struct command *c = command_of(cmd);

    cfg_defaults(cfg);
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
    return CFG_OK;
}
