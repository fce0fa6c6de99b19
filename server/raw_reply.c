/* Error replies as bytes on a socket, past libmicrohttpd. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "server/raw_reply.h"

char *
raw_reply_new(enum api_error e, enum api_lang lang, const char *field,
              size_t *len, size_t *body_len)
{
    json_t *body = api_error_json(e, lang, field);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    unsigned status = api_error_status(e);
    char *msg = NULL;
    int n;

    json_decref(body);
    if (!text)
        return NULL;
    n = asprintf(
        &msg,
        "HTTP/1.1 %u %s\r\nContent-Type: application/json; charset=utf-8\r\n"
        "Content-Length: %zu\r\nConnection: close\r\n"
        "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n%s\n",
        status, MHD_get_reason_phrase_for(status), strlen(text) + 1, text);
    if (n < 0) {
        msg = NULL;
    } else {
        *len = (size_t)n;
        *body_len = strlen(text) + 1;
    }
    free(text);
    return msg;
}

bool
raw_reply_send(int fd, const char *msg, size_t len)
{
    ssize_t n = send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);

    return n >= 0 && (size_t)n == len;
}
