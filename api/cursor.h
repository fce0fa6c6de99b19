/* Opaque keyset cursors for paginated lists.  A cursor only names a
 * position (the last id seen and the order); every query still filters by
 * article and status, so a forged cursor cannot reach other comments. */
#ifndef YKIEN_API_CURSOR_H
#define YKIEN_API_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

enum { CURSOR_MAX = 64 };

/* Writes a NUL-terminated cursor into buf (CURSOR_MAX bytes). */
void cursor_encode(bool newest_first, int64_t last_id, char buf[CURSOR_MAX]);
/* 0 and *last_id on a cursor made for this order; -1 otherwise. */
int cursor_decode(const char *cursor, bool newest_first, int64_t *last_id);

#endif
