/* The client address behind trusted reverse proxies, from X-Forwarded-For.
 * Pure: no libmicrohttpd, no sockets.
 *
 * All X-Forwarded-For field lines of a request are one comma-separated list
 * (RFC 9110 §5.3), in the order the lines arrived, and each proxy appends
 * the address of the peer it saw, as a last entry or as a last line.  So
 * only entries on the right were written by proxies we trust: walking from
 * the right, entries that are trusted proxies are skipped and the first
 * other address is the client.  Anything to its left is the client's own
 * say and is never read. */
#ifndef YKIEN_SERVER_FORWARDED_H
#define YKIEN_SERVER_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum { FORWARDED_LINES_MAX = 16, FORWARDED_ADDR_MAX = 64 };

/* True when peer (AF_INET or AF_INET6) is one of proxies[0..n). */
bool forwarded_trusted(const struct sockaddr *peer,
                       const struct sockaddr_storage *proxies, int n);

/* The client address of X-Forwarded-For lines[0..n_lines), written in its
 * canonical text form into out.  Empty list members are skipped; an entry
 * may carry a port ("192.0.2.1:5000", "[2001:db8::1]:5000").  When every
 * entry is a trusted proxy, the leftmost is the client; when the walk meets
 * an entry that is not an address, the last trusted entry before it is.
 * Returns -1, with out untouched, when the rightmost entry is not an
 * address or there is no entry at all: the peer itself is the client then. */
int forwarded_client(const char *const *lines, size_t n_lines,
                     const struct sockaddr_storage *proxies, int n_proxies,
                     char out[FORWARDED_ADDR_MAX]);

#endif
