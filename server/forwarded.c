/* X-Forwarded-For, read from the right.  No MHD, no allocation. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "server/forwarded.h"

/* Entries walked before giving up: a longer chain is a client's padding. */
enum { ENTRIES_MAX = 64 };

static bool
same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr,
                      sizeof(struct in_addr)) == 0;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    return false;
}

static bool
is_trusted(const struct sockaddr_storage *addr,
           const struct sockaddr_storage *proxies, int n)
{
    for (int i = 0; i < n; i++) {
        if (same_ip(addr, &proxies[i]))
            return true;
    }
    return false;
}

bool
forwarded_trusted(const struct sockaddr *peer,
                  const struct sockaddr_storage *proxies, int n)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof ss);
    if (peer->sa_family == AF_INET)
        memcpy(&ss, peer, sizeof(struct sockaddr_in));
    else if (peer->sa_family == AF_INET6)
        memcpy(&ss, peer, sizeof(struct sockaddr_in6));
    else
        return false;
    return is_trusted(&ss, proxies, n);
}

static bool
is_port(const char *s, size_t n)
{
    unsigned long v = 0;

    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v <= 65535;
}

static bool
parse_text(const char *s, size_t n, int family, void *addr)
{
    char buf[FORWARDED_ADDR_MAX];

    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return inet_pton(family, buf, addr) == 1;
}

/* One list entry (without the white space around it): an IPv4 or IPv6
 * address, either with a port ("a.b.c.d:p", "[v6]:p") or a bracketed v6. */
static bool
parse_entry(const char *s, size_t n, struct sockaddr_storage *out)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    const char *colon;

    memset(out, 0, sizeof *out);
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);

        if (!close)
            return false;
        if ((size_t)(close - s) + 1 != n &&
            !(close[1] == ':' &&
              is_port(close + 2, n - (size_t)(close - s) - 2)))
            return false;
        out->ss_family = AF_INET6;
        return parse_text(s + 1, (size_t)(close - s - 1), AF_INET6,
                          &v6->sin6_addr);
    }
    if (parse_text(s, n, AF_INET6, &v6->sin6_addr)) {
        out->ss_family = AF_INET6;
        return true;
    }
    colon = memchr(s, ':', n);
    if (colon) {
        if (!is_port(colon + 1, n - (size_t)(colon - s) - 1))
            return false;
        n = (size_t)(colon - s);
    }
    out->ss_family = AF_INET;
    return parse_text(s, n, AF_INET, &v4->sin_addr);
}

static void
write_addr(const struct sockaddr_storage *a, char out[FORWARDED_ADDR_MAX])
{
    if (a->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, out,
                  FORWARDED_ADDR_MAX);
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, out,
                  FORWARDED_ADDR_MAX);
}

int
forwarded_client(const char *const *lines, size_t n_lines,
                 const struct sockaddr_storage *proxies, int n_proxies,
                 char out[FORWARDED_ADDR_MAX])
{
    struct sockaddr_storage entry, nearest;
    bool have_nearest = false;
    int walked = 0;

    for (size_t li = n_lines; li-- > 0;) {
        const char *line = lines[li];
        size_t end = strlen(line);

        /* Entries of this line from its right end: [start, end). */
        while (end != (size_t)-1) {
            size_t start = end, a, b;

            while (start > 0 && line[start - 1] != ',')
                start--;
            a = start;
            b = end;
            while (a < b && (line[a] == ' ' || line[a] == '\t'))
                a++;
            while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t'))
                b--;
            end = start - 1; /* past the comma; (size_t)-1 at the start */
            if (a == b)
                continue; /* an empty list member */
            if (++walked > ENTRIES_MAX || !parse_entry(line + a, b - a, &entry))
                goto stop;
            if (!is_trusted(&entry, proxies, n_proxies)) {
                write_addr(&entry, out);
                return 0;
            }
            nearest = entry;
            have_nearest = true;
        }
    }
stop:
    if (!have_nearest)
        return -1;
    write_addr(&nearest, out);
    return 0;
}
