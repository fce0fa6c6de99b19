/* The configuration: parsed once from the command line (and, for serve,
 * a configuration file and YKIEN_* environment variables), read-only
 * afterwards.  Parsing is kept apart from the code that uses it.  One table
 * in config.c lists every option of every command (name, value, help text,
 * where it is stored); the parser and each command's --help come from it. */
#ifndef YKIEN_SERVER_CONFIG_H
#define YKIEN_SERVER_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "api/call.h"
#include "db/db.h"
#include "ops/import_xml.h"

enum {
    CFG_MAX_PROXIES = 8,
    CFG_MAX_ORIGINS = 16,
    CFG_MAX_OPERANDS = 2,
    CFG_MAX_WEBHOOKS = 8
};

/* The commands that take options; bits, since an option may belong to
 * several. */
enum cfg_command {
    CFG_TOP = 0, /* ykien itself, before any command */
    CFG_SERVE = 1 << 0,
    CFG_TOKEN = 1 << 1,
    CFG_CHECK_TEXT = 1 << 2,
    CFG_BACKUP = 1 << 3,
    CFG_EXPORT = 1 << 4,
    CFG_IMPORT = 1 << 5,
    CFG_IMPORT_DISQUS = 1 << 6,
    CFG_IMPORT_WORDPRESS = 1 << 7,
};

/* Where a setting came from, lowest precedence first. */
enum cfg_layer { CFG_LAYER_FILE = 1, CFG_LAYER_ENV, CFG_LAYER_ARGS };

struct config {
    char listen[128]; /* as given, for messages */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char data_dir[4096];
    char db_path[4200];  /* SQLite's file, when db.url is NULL */
    struct db_target db; /* where the data is: --db, YKIEN_DB, or SQLite */
    unsigned rate_limit; /* new comments per address per minute; 0: off */
    struct sockaddr_storage proxies[CFG_MAX_PROXIES];
    int n_proxies;
    unsigned max_connections;
    unsigned max_connections_per_address; /* 0: no cap */
    unsigned timeout_seconds;             /* idle or slow connections */
    unsigned min_body_rate; /* bytes a second past the timeout; 0: none */
    unsigned threads;
    size_t max_json_bytes;
    size_t page_cache_bytes; /* 0: no page cache */
    const char *origins[CFG_MAX_ORIGINS];
    int n_origins;
    const char *webhooks[CFG_MAX_WEBHOOKS]; /* receivers of comment events */
    int n_webhooks;
    const char *webhook_secret_file; /* required with webhooks */
    struct api_config api;
    enum text_field check_field; /* check-text --field */
    const char
        *operand[CFG_MAX_OPERANDS]; /* words that are no options: token's */
    int n_operands;
    enum import_article article_from; /* import-disqus|wordpress --article-id */
    bool article_from_set;
    char config_path[4096]; /* serve --config, "" for none */
    /* A list option (--trusted-proxy, --allow-origin, --webhook) set in a layer
     * replaces what lower layers gave; these say which layer the lists
     * come from. */
    enum cfg_layer layer, proxies_layer, origins_layer, webhooks_layer;
    /* Values read from the file and the environment, which outlive them:
     * the origins point in here. */
    char text[8192];
    size_t text_used;
};

enum cfg_result { CFG_OK, CFG_HELP, CFG_VERSION, CFG_USAGE };

/* Parses the arguments of command cmd (those after its name) into *cfg,
 * from the defaults on, in order: the first --help, --version or mistake
 * decides.  On CFG_USAGE a one-line reason is in err.  Values are borrowed
 * from argv.  Without --db, a command that opens the database takes
 * YKIEN_DB from the environment (borrowed too), so that a password need
 * not be on the command line.
 *
 * For serve, settings come in layers, each overriding the one before:
 * defaults, the file of --config FILE (or of $YKIEN_CONFIG), the YKIEN_*
 * environment variables (YKIEN_RATE_LIMIT for --rate-limit), the command
 * line.  The file has one "option value" a line, the option named as on
 * the command line with or without its "--"; blank lines and lines
 * starting with '#' are skipped.  An unknown option or a bad value in the
 * file is CFG_USAGE naming the file and line. */
enum cfg_result cfg_parse(enum cfg_command cmd, int argc, char **argv,
                          struct config *cfg, char *err, size_t err_len);
/* Writes the --help text of cmd to out: its synopsis, then one line per
 * option it takes; for CFG_TOP, one line per command. */
void cfg_usage(enum cfg_command cmd, FILE *out);
/* Parses "HOST:PORT", "[V6]:PORT" or ":PORT". */
int cfg_parse_listen(const char *s, struct sockaddr_storage *out,
                     socklen_t *len);
/* Parses a bare IPv4 or IPv6 address. */
int cfg_parse_ip(const char *s, struct sockaddr_storage *out);
/* Fills the paths derived from data_dir. */
void cfg_set_data_dir(struct config *cfg, const char *dir);
void cfg_defaults(struct config *cfg);

#endif
