/* The daemon's configuration: parsed once from the command line, read-only
 * afterwards.  Parsing is kept apart from the code that uses it. */
#ifndef YKIEN_SERVER_CONFIG_H
#define YKIEN_SERVER_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "api/call.h"

enum { CFG_MAX_PROXIES = 8, CFG_MAX_ORIGINS = 16, CFG_MAX_WEBHOOKS = 8 };

struct config {
    char listen[128];                   /* as given, for messages */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char data_dir[4096];
    char db_path[4200];
    unsigned rate_limit;                /* new comments per address per minute; 0: off */
    struct sockaddr_storage proxies[CFG_MAX_PROXIES];
    int n_proxies;
    unsigned max_connections;
    unsigned max_connections_per_address;  /* 0: no cap */
    unsigned timeout_seconds;           /* idle or slow connections */
    unsigned threads;
    size_t max_json_bytes;
    size_t page_cache_bytes;            /* 0: no page cache */
    const char *origins[CFG_MAX_ORIGINS];
    int n_origins;
    const char *webhooks[CFG_MAX_WEBHOOKS];    /* receivers of comment events */
    int n_webhooks;
    const char *webhook_secret_file;    /* required with webhooks */
    struct api_config api;
};

enum cfg_result { CFG_OK, CFG_HELP, CFG_VERSION, CFG_USAGE };

/* Parses the options of `ykien serve`.  On CFG_USAGE a one-line reason is
 * in err. */
enum cfg_result cfg_parse_serve(int argc, char **argv, struct config *cfg, char *err,
                                size_t err_len);
/* Parses "HOST:PORT", "[V6]:PORT" or ":PORT". */
int cfg_parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len);
/* Parses a bare IPv4 or IPv6 address. */
int cfg_parse_ip(const char *s, struct sockaddr_storage *out);
/* Fills the paths derived from data_dir. */
void cfg_set_data_dir(struct config *cfg, const char *dir);
void cfg_defaults(struct config *cfg);

extern const char cfg_serve_usage[];

#endif
