/* The signature of a webhook delivery (API.md 1.1, "Webhooks"):
 *   Ykien-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 * keyed with the secret of --webhook-secret-file.  A receiver recomputes
 * the HMAC over the bytes it received and compares in constant time, and
 * refuses a t too far from its clock (replays).  Pure: no I/O. */
#ifndef YKIEN_SERVER_SIGNATURE_H
#define YKIEN_SERVER_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

enum { SIGNATURE_MAX = 112 };

/* Writes the header's value (without "Ykien-Signature: ") into out. */
void signature_value(const unsigned char *secret, size_t secret_len, int64_t t,
                     const char *body, size_t body_len,
                     char out[SIGNATURE_MAX]);

#endif
