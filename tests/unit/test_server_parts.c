/* Server pieces without a socket: option parsing (every command's) and the
 * rate limiter. */
#include <arpa/inet.h>

#include "server/config.h"
#include "server/ratelimit.h"
#include "check.h"

static enum cfg_result
parse_cmd(enum cfg_command cmd, struct config *cfg, int argc, char **argv)
{
    char err[256];

    return cfg_parse(cmd, argc, argv, cfg, err, sizeof err);
}

static enum cfg_result
parse(struct config *cfg, int argc, char **argv)
{
    return parse_cmd(CFG_SERVE, cfg, argc, argv);
}

/* One option table for every command: each takes only its own options. */
static void
test_commands(void)
{
    static struct config cfg;
    char *t1[] = {"add", "alice", "--data", "/srv/yk"};
    char *t2[] = {"list", "--listen", "127.0.0.1:80"};
    char *t3[] = {"add", "alice", "bob"};
    char *c1[] = {"--field", "author", "--text-policy", "vietnamese"};
    char *c2[] = {"--data", "/srv/yk"};
    char *c3[] = {"--field", "title"};
    char *s1[] = {"stray"};
    char *s2[] = {"--field", "body"};

    CHECK(parse_cmd(CFG_TOKEN, &cfg, 4, t1) == CFG_OK && cfg.n_operands == 2);
    CHECK_STR(cfg.operand[0], "add");
    CHECK_STR(cfg.operand[1], "alice");
    CHECK_STR(cfg.data_dir, "/srv/yk");
    CHECK(parse_cmd(CFG_TOKEN, &cfg, 3, t2) == CFG_USAGE);
    CHECK(parse_cmd(CFG_TOKEN, &cfg, 3, t3) == CFG_USAGE);
    CHECK(parse_cmd(CFG_CHECK_TEXT, &cfg, 4, c1) == CFG_OK);
    CHECK(cfg.check_field == TEXT_FIELD_AUTHOR && cfg.api.text_policy == TEXT_POLICY_VIETNAMESE);
    CHECK(parse_cmd(CFG_CHECK_TEXT, &cfg, 0, NULL) == CFG_OK);
    CHECK(cfg.check_field == TEXT_FIELD_BODY && cfg.api.text_policy == TEXT_POLICY_ANY);
    CHECK(parse_cmd(CFG_CHECK_TEXT, &cfg, 2, c2) == CFG_USAGE);
    CHECK(parse_cmd(CFG_CHECK_TEXT, &cfg, 2, c3) == CFG_USAGE);
    CHECK(parse_cmd(CFG_SERVE, &cfg, 1, s1) == CFG_USAGE);
    CHECK(parse_cmd(CFG_SERVE, &cfg, 2, s2) == CFG_USAGE);
}

int
main(void)
{
    static struct config cfg;
    struct sockaddr_storage ss;
    socklen_t len;

    CHECK(parse(&cfg, 0, NULL) == CFG_OK);
    CHECK(cfg.rate_limit == 10 && cfg.max_connections_per_address == 0);
    CHECK_STR(cfg.db_path, "./data/ykien.db");
    CHECK(cfg.api.max_attachment_bytes == 10485760 && cfg.api.max_attachments == 3);

    char *a1[] = {"--listen", "0.0.0.0:9000", "--data", "/srv/yk", "--rate-limit", "0",
                  "--trusted-proxy", "10.0.0.1", "--text-policy", "vietnamese"};
    CHECK(parse(&cfg, 10, a1) == CFG_OK);
    CHECK(cfg.rate_limit == 0 && cfg.n_proxies == 1);
    CHECK_STR(cfg.db_path, "/srv/yk/ykien.db");
    CHECK(cfg.api.text_policy == TEXT_POLICY_VIETNAMESE);
    CHECK(ntohs(((struct sockaddr_in *)&cfg.addr)->sin_port) == 9000);

    char *a2[] = {"--listen", "nonsense"};
    CHECK(parse(&cfg, 2, a2) == CFG_USAGE);
    char *a3[] = {"--rate-limit", "-1"};
    CHECK(parse(&cfg, 2, a3) == CFG_USAGE);
    char *a4[] = {"--bogus", "1"};
    CHECK(parse(&cfg, 2, a4) == CFG_USAGE);
    char *a5[] = {"--data"};
    CHECK(parse(&cfg, 1, a5) == CFG_USAGE);
    char *a6[] = {"--help"};
    CHECK(parse(&cfg, 1, a6) == CFG_HELP);
    char *a7[] = {"--trusted-proxy", "not-an-ip"};
    CHECK(parse(&cfg, 2, a7) == CFG_USAGE);
    char *a8[] = {"--page-cache-mb", "0"};
    CHECK(parse(&cfg, 2, a8) == CFG_OK && cfg.page_cache_bytes == 0);
    char *a9[] = {"--page-cache-mb", "x"};
    CHECK(parse(&cfg, 2, a9) == CFG_USAGE);
    CHECK(parse(&cfg, 0, NULL) == CFG_OK && cfg.page_cache_bytes == 16u * 1024 * 1024);

    test_commands();

    CHECK(cfg_parse_listen("[::1]:8080", &ss, &len) == 0 && ss.ss_family == AF_INET6);
    CHECK(cfg_parse_listen(":8080", &ss, &len) == 0 && ss.ss_family == AF_INET);
    CHECK(cfg_parse_listen("127.0.0.1:0", &ss, &len) == 0);
    CHECK(cfg_parse_listen("127.0.0.1:65536", &ss, &len) == -1);
    CHECK(cfg_parse_listen("127.0.0.1", &ss, &len) == -1);
    CHECK(cfg_parse_listen("[::1]8080", &ss, &len) == -1);

    /* 3 a minute: three at once, then one every 20 s. */
    struct ratelimit *rl = ratelimit_new(3);
    uint64_t t = 1000000;

    CHECK(ratelimit_new(0) == NULL);
    CHECK(ratelimit_take(rl, "1.2.3.4", t) == 0);
    CHECK(ratelimit_take(rl, "1.2.3.4", t) == 0);
    CHECK(ratelimit_take(rl, "1.2.3.4", t) == 0);
    unsigned wait = ratelimit_take(rl, "1.2.3.4", t);
    CHECK(wait >= 19 && wait <= 20);
    CHECK(ratelimit_take(rl, "5.6.7.8", t) == 0);       /* others are not affected */
    CHECK(ratelimit_take(rl, "1.2.3.4", t + 20000) == 0);
    CHECK(ratelimit_take(rl, "1.2.3.4", t + 20000) > 0);
    CHECK(ratelimit_take(rl, "1.2.3.4", t + 3600000) == 0);
    /* Many addresses: bounded memory, and nobody is refused unfairly. */
    int refused = 0;
    for (int i = 0; i < 100000; i++) {
        char addr[32];

        snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        refused += ratelimit_take(rl, addr, t + 7200000) > 0;
    }
    CHECK(refused == 0);
    ratelimit_free(rl);
    return check_report();
}
