/* Logging to stderr: one line per request, and notes at info or error
 * level.  Never pass comment text, e-mail addresses or tokens here. */
#ifndef YKIEN_SERVER_LOG_H
#define YKIEN_SERVER_LOG_H

#include <stdint.h>

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_request(const char *client, const char *method, const char *path,
                 unsigned status, uint64_t bytes, uint64_t micros);

#endif
