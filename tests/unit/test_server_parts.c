/* Server pieces without a socket: option parsing (every command's), the
 * rate limiter and X-Forwarded-For, request framing, connection deadlines. */
#include <arpa/inet.h>
#include <stdint.h>

#include "server/config.h"
#include "server/forwarded.h"
#include "server/framing.h"
#include "server/ratelimit.h"
#include "server/watchdog.h"
#include "check.h"

/* forwarded_client() over the given lines, with proxies 10.0.0.1, 10.0.0.2
 * and 2001:db8::2 trusted; "-" when it finds no client. */
static const char *
xff(const char *const *lines, size_t n)
{
    static struct sockaddr_storage proxies[3];
    static char out[FORWARDED_ADDR_MAX];

    cfg_parse_ip("10.0.0.1", &proxies[0]);
    cfg_parse_ip("10.0.0.2", &proxies[1]);
    cfg_parse_ip("2001:db8::2", &proxies[2]);
    if (forwarded_client(lines, n, proxies, 3, out) != 0)
        return "-";
    return out;
}

#define XFF(want, ...)                                                         \
    do {                                                                       \
        const char *lines_[] = {__VA_ARGS__};                                  \
        CHECK_STR(xff(lines_, sizeof lines_ / sizeof lines_[0]), want);        \
    } while (0)

/* framing_fault() of the given lengths and codings (NULL-terminated lists). */
static const char *
framing(const char *const *lengths, const char *const *codings)
{
    struct framing f = {.n_length = 0};
    const char *fault;

    for (; lengths && *lengths; lengths++, f.n_length++) {
        if (f.n_length < 2)
            f.length[f.n_length] = *lengths;
    }
    for (; codings && *codings; codings++, f.n_encoding++) {
        if (f.n_encoding < 2)
            f.encoding[f.n_encoding] = *codings;
    }
    fault = framing_fault(&f);
    return fault ? fault : "ok";
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

static void
check_framing(void)
{
    CHECK_STR(framing(NULL, NULL), "ok");
    CHECK_STR(framing(L("0"), NULL), "ok");
    CHECK_STR(framing(L("1234"), NULL), "ok");
    CHECK_STR(framing(L("007"), NULL), "ok");
    CHECK_STR(framing(NULL, L("chunked")), "ok");
    CHECK_STR(framing(NULL, L("Chunked")), "ok");
    CHECK_STR(framing(L("5", "6"), NULL), "Content-Length");
    CHECK_STR(framing(L("5", "5"), NULL), "Content-Length");
    CHECK_STR(framing(L("5, 5"), NULL), "Content-Length");
    CHECK_STR(framing(L("+5"), NULL), "Content-Length");
    CHECK_STR(framing(L("-1"), NULL), "Content-Length");
    CHECK_STR(framing(L("5 "), NULL), "Content-Length");
    CHECK_STR(framing(L("0x5"), NULL), "Content-Length");
    CHECK_STR(framing(L(""), NULL), "Content-Length");
    CHECK_STR(framing(L("5"), L("chunked")), "Content-Length");
    CHECK_STR(framing(NULL, L("chunked", "chunked")), "Transfer-Encoding");
    CHECK_STR(framing(NULL, L("gzip, chunked")), "Transfer-Encoding");
    CHECK_STR(framing(NULL, L("chunked, identity")), "Transfer-Encoding");
    CHECK_STR(framing(NULL, L("identity")), "Transfer-Encoding");
    CHECK_STR(framing(NULL, L("chunked;x=1")), "Transfer-Encoding");
    CHECK_STR(framing(NULL, L("")), "Transfer-Encoding");

    CHECK(framing_query_params("/a") == 0);
    CHECK(framing_query_params("/a?") == 0);
    CHECK(framing_query_params("/a?x") == 1);
    CHECK(framing_query_params("/a?x=1&y=2") == 2);
    CHECK(framing_query_params("/a?x=1&&") == 3);
    CHECK(framing_query_params("/a?&") == 2);
    CHECK(framing_head_fits(500, 10, 0));
    CHECK(framing_head_fits(FRAMING_HEAD_BUDGET - 640, 10, 0));
    CHECK(!framing_head_fits(FRAMING_HEAD_BUDGET - 639, 10, 0));
    CHECK(!framing_head_fits(20000, 10, 4000));
    CHECK(!framing_head_fits(100, FRAMING_HEAD_BUDGET / FRAMING_VALUE_COST + 1,
                             0));
    CHECK(!framing_head_fits(SIZE_MAX, 1, 0) &&
          !framing_head_fits(1, 1, SIZE_MAX));
    CHECK(FRAMING_HEAD_BUDGET < HTTP_POOL_BYTES);
}

static void
check_deadlines(void)
{
    /* --timeout 30, --min-body-rate 4096 */
    CHECK(!watch_deadline_passed(WATCH_HEADERS, 30000, 0, 30, 4096));
    CHECK(watch_deadline_passed(WATCH_HEADERS, 30001, 0, 30, 4096));
    CHECK(watch_deadline_passed(WATCH_HEADERS, 30001, 1u << 30, 30, 4096));
    /* a body: nothing is judged within the timeout */
    CHECK(!watch_deadline_passed(WATCH_BODY, 30000, 0, 30, 4096));
    /* then an average of 4096 bytes a second since the headers */
    CHECK(watch_deadline_passed(WATCH_BODY, 31000, 15, 30, 4096));
    CHECK(watch_deadline_passed(WATCH_BODY, 31000, 4096u * 31 - 1, 30, 4096));
    CHECK(!watch_deadline_passed(WATCH_BODY, 31000, 4096u * 31, 30, 4096));
    /* 10 MiB at 8 KiB/s: 1280 s, never cut */
    for (uint64_t t = 0; t <= 1280; t += 10)
        CHECK(!watch_deadline_passed(WATCH_BODY, t * 1000, t * 8192, 30, 4096));
    CHECK(!watch_deadline_passed(WATCH_BODY, 3600000, 0, 30, 0)); /* rate off */
    CHECK(!watch_deadline_passed(WATCH_NONE, 3600000, 0, 30, 4096));
    CHECK(!watch_deadline_passed(WATCH_EXPIRED, 3600000, 0, 30, 4096));
    /* a connection without deadlines */
    CHECK(watch_headers(NULL) && watch_body(NULL, API_LANG_VI) &&
          watch_body_bytes(NULL, 1) && watch_none(NULL) &&
          !watch_expired(NULL));
}

static void
check_forwarded(void)
{
    struct sockaddr_storage proxies[1];
    struct sockaddr_in peer = {.sin_family = AF_INET};

    XFF("203.0.113.1", "203.0.113.1");
    XFF("198.51.100.7", "203.0.113.1, 198.51.100.7");
    /* several lines are one list: the client's own line comes first */
    XFF("198.51.100.7", "203.0.113.1", "198.51.100.7");
    XFF("198.51.100.7", "203.0.113.1, 6.6.6.6", "198.51.100.7");
    /* trusted proxies are skipped from the right, across lines */
    XFF("203.0.113.5", "6.6.6.6, 203.0.113.5, 10.0.0.1", "10.0.0.2");
    XFF("203.0.113.5", "203.0.113.5,10.0.0.1,2001:db8::2");
    XFF("10.0.0.1", "10.0.0.1, 10.0.0.2"); /* all trusted: the leftmost */
    /* empty members, white space, ports, brackets, canonical output */
    XFF("203.0.113.9", " , 203.0.113.9 ,\t, ");
    XFF("203.0.113.9", "203.0.113.9:4711");
    XFF("2001:db8::77", "[2001:DB8::77]:443");
    XFF("2001:db8::77", "[2001:db8::77]");
    XFF("2001:db8::77", "2001:0db8:0:0::77");
    /* junk on the right: the peer is the client; junk behind a trusted
     * entry: that entry is as far as one can see */
    XFF("-", "203.0.113.1", "unknown");
    XFF("-", "203.0.113.1, 999.1.1.1");
    XFF("-", "203.0.113.1, 1.2.3.4:99999");
    XFF("-", "203.0.113.1, [2001:db8::1");
    XFF("10.0.0.2", "_hidden, 10.0.0.2");
    XFF("-", "");
    XFF("-", " , ");
    CHECK(forwarded_client(NULL, 0, proxies, 0,
                           (char[FORWARDED_ADDR_MAX]){0}) == -1);

    cfg_parse_ip("127.0.0.1", &proxies[0]);
    inet_pton(AF_INET, "127.0.0.1", &peer.sin_addr);
    CHECK(forwarded_trusted((struct sockaddr *)&peer, proxies, 1));
    inet_pton(AF_INET, "127.0.0.2", &peer.sin_addr);
    CHECK(!forwarded_trusted((struct sockaddr *)&peer, proxies, 1));
}

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
    CHECK(cfg.check_field == TEXT_FIELD_AUTHOR &&
          cfg.api.text_policy == TEXT_POLICY_VIETNAMESE);
    CHECK(parse_cmd(CFG_CHECK_TEXT, &cfg, 0, NULL) == CFG_OK);
    CHECK(cfg.check_field == TEXT_FIELD_BODY &&
          cfg.api.text_policy == TEXT_POLICY_ANY);
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
    CHECK(cfg.api.max_attachment_bytes == 10485760 &&
          cfg.api.max_attachments == 3);

    char *a1[] = {"--listen",        "0.0.0.0:9000", "--data",
                  "/srv/yk",         "--rate-limit", "0",
                  "--trusted-proxy", "10.0.0.1",     "--text-policy",
                  "vietnamese"};
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
    CHECK(parse(&cfg, 0, NULL) == CFG_OK &&
          cfg.page_cache_bytes == 16u * 1024 * 1024);
    CHECK(cfg.min_body_rate == 4096 && cfg.timeout_seconds == 30);
    char *a10[] = {"--min-body-rate", "0", "--timeout", "5"};
    CHECK(parse(&cfg, 4, a10) == CFG_OK && cfg.min_body_rate == 0 &&
          cfg.timeout_seconds == 5);
    char *a11[] = {"--min-body-rate", "fast"};
    CHECK(parse(&cfg, 2, a11) == CFG_USAGE);

    test_commands();

    CHECK(cfg_parse_listen("[::1]:8080", &ss, &len) == 0 &&
          ss.ss_family == AF_INET6);
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
    CHECK(ratelimit_take(rl, "5.6.7.8", t) == 0); /* others are not affected */
    CHECK(ratelimit_take(rl, "1.2.3.4", t + 20000) == 0);
    CHECK(ratelimit_take(rl, "1.2.3.4", t + 20000) > 0);
    CHECK(ratelimit_take(rl, "1.2.3.4", t + 3600000) == 0);
    /* Many addresses: bounded memory, and nobody is refused unfairly. */
    int refused = 0;
    for (int i = 0; i < 100000; i++) {
        char addr[32];

        snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
                 i & 255);
        refused += ratelimit_take(rl, addr, t + 7200000) > 0;
    }
    CHECK(refused == 0);
    ratelimit_free(rl);

    check_forwarded();
    check_framing();
    check_deadlines();
    return check_report();
}
