/* Command-line parsing for `ykien serve`.  Only fills struct config. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"

const char cfg_serve_usage[] =
    "usage: ykien serve [options]\n"
    "  --listen ADDR:PORT              address to listen on (127.0.0.1:8080)\n"
    "  --data DIR                      database and attachments (./data)\n"
    "  --rate-limit N                  new comments per client address per minute (10; 0: off)\n"
    "  --trusted-proxy ADDR            believe X-Forwarded-For from this peer (repeatable)\n"
    "  --max-connections N             open connections in all (1024)\n"
    "  --max-connections-per-address N open connections per client address (0: no cap)\n"
    "  --timeout SECONDS               close idle or slow connections after this (30)\n"
    "  --threads N                     worker threads (one per CPU)\n"
    "  --text-policy any|vietnamese    accept any language, or Vietnamese only (any)\n"
    "  --max-body-chars N              longest comment body in characters (5000)\n"
    "  --max-attachment-bytes N        largest attachment (10485760)\n"
    "  --max-attachments N             attachments per comment (3)\n"
    "  --allow-origin ORIGIN           a site whose pages may call the reader API (repeatable)\n"
    "  --page-cache-mb N               memory for rendered list pages (16; 0: no cache)\n"
    "  --close-after-days N            close an article N days after its first comment (0: never)\n"
    "  --webhook URL                   POST comment events to URL (repeatable, up to 8)\n"
    "  --webhook-secret-file FILE      the key that signs webhook events (needed with --webhook)\n"
    "  --help, --version\n";

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

enum cfg_result
cfg_parse_serve(int argc, char **argv, struct config *cfg, char *err, size_t err_len)
{
    cfg_defaults(cfg);
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;

        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0)
            return CFG_HELP;
        if (strcmp(opt, "--version") == 0)
            return CFG_VERSION;
        if (opt[0] != '-' || opt[1] != '-') {
            snprintf(err, err_len, "unexpected argument '%s'", opt);
            return CFG_USAGE;
        }
        if (!val) {
            snprintf(err, err_len, "%s needs a value", opt);
            return CFG_USAGE;
        }
        i++;
        if (strcmp(opt, "--listen") == 0) {
            snprintf(cfg->listen, sizeof cfg->listen, "%s", val);
            if (cfg_parse_listen(val, &cfg->addr, &cfg->addr_len) != 0)
                goto bad;
        } else if (strcmp(opt, "--data") == 0) {
            if (!*val || strlen(val) > 3000)
                goto bad;
            cfg_set_data_dir(cfg, val);
        } else if (strcmp(opt, "--rate-limit") == 0) {
            if (parse_uint(val, 1000000, &n) != 0)
                goto bad;
            cfg->rate_limit = (unsigned)n;
        } else if (strcmp(opt, "--trusted-proxy") == 0) {
            if (cfg->n_proxies == CFG_MAX_PROXIES ||
                cfg_parse_ip(val, &cfg->proxies[cfg->n_proxies]) != 0)
                goto bad;
            cfg->n_proxies++;
        } else if (strcmp(opt, "--max-connections") == 0) {
            if (parse_uint(val, 100000, &n) != 0 || n == 0)
                goto bad;
            cfg->max_connections = (unsigned)n;
        } else if (strcmp(opt, "--max-connections-per-address") == 0) {
            if (parse_uint(val, 100000, &n) != 0)
                goto bad;
            cfg->max_connections_per_address = (unsigned)n;
        } else if (strcmp(opt, "--timeout") == 0) {
            if (parse_uint(val, 3600, &n) != 0 || n == 0)
                goto bad;
            cfg->timeout_seconds = (unsigned)n;
        } else if (strcmp(opt, "--threads") == 0) {
            if (parse_uint(val, 256, &n) != 0 || n == 0)
                goto bad;
            cfg->threads = (unsigned)n;
        } else if (strcmp(opt, "--text-policy") == 0) {
            if (strcmp(val, "any") == 0)
                cfg->api.text_policy = TEXT_POLICY_ANY;
            else if (strcmp(val, "vietnamese") == 0)
                cfg->api.text_policy = TEXT_POLICY_VIETNAMESE;
            else
                goto bad;
        } else if (strcmp(opt, "--max-body-chars") == 0) {
            if (parse_uint(val, 100000, &n) != 0 || n == 0)
                goto bad;
            cfg->api.max_body_chars = n;
            /* Room for every character as a 6-byte JSON escape. */
            if (cfg->max_json_bytes < n * 6 + 8192)
                cfg->max_json_bytes = n * 6 + 8192;
        } else if (strcmp(opt, "--max-attachment-bytes") == 0) {
            if (parse_uint(val, 1UL << 32, &n) != 0 || n == 0)
                goto bad;
            cfg->api.max_attachment_bytes = (int64_t)n;
        } else if (strcmp(opt, "--max-attachments") == 0) {
            if (parse_uint(val, 20, &n) != 0)
                goto bad;
            cfg->api.max_attachments = (int)n;
        } else if (strcmp(opt, "--page-cache-mb") == 0) {
            if (parse_uint(val, 4096, &n) != 0)
                goto bad;
            cfg->page_cache_bytes = (size_t)n * 1024 * 1024;
        } else if (strcmp(opt, "--close-after-days") == 0) {
            if (parse_uint(val, 36500, &n) != 0)
                goto bad;
            cfg->api.close_after_days = (int)n;
        } else if (strcmp(opt, "--webhook") == 0) {
            if (cfg->n_webhooks == CFG_MAX_WEBHOOKS ||
                (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) ||
                strlen(val) > 2000)
                goto bad;
            cfg->webhooks[cfg->n_webhooks++] = val;
        } else if (strcmp(opt, "--webhook-secret-file") == 0) {
            if (!*val)
                goto bad;
            cfg->webhook_secret_file = val;
        } else if (strcmp(opt, "--allow-origin") == 0) {
            if (cfg->n_origins == CFG_MAX_ORIGINS || strncmp(val, "http", 4) != 0)
                goto bad;
            cfg->origins[cfg->n_origins++] = val;
        } else {
            snprintf(err, err_len, "unknown option %s", opt);
            return CFG_USAGE;
        }
        continue;
bad:
        snprintf(err, err_len, "invalid value for %s: '%s'", opt, val);
        return CFG_USAGE;
    }
    if (cfg->n_webhooks > 0 && !cfg->webhook_secret_file) {
        snprintf(err, err_len, "--webhook needs --webhook-secret-file");
        return CFG_USAGE;
    }
    cfg->api.webhooks = cfg->webhooks;
    cfg->api.n_webhooks = cfg->n_webhooks;
    return CFG_OK;
}
