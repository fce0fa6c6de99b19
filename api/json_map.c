/* Record-to-JSON mapping.  No database, no HTTP. */
#include <stdio.h>
#include <time.h>

#include "api/json_map.h"

void
json_map_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
time_or_null(int64_t t)
{
    char buf[32];

    if (t <= 0)
        return json_null();
    json_map_time(t, buf, sizeof buf);
    return json_string(buf);
}

static json_t *
string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *
json_map_comment(const struct comment_record *c)
{
    return json_pack(
        "{s:I, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:b, s:[]}", "id",
        (json_int_t)c->id, "article", c->article, "parent_id",
        c->parent_id > 0 ? json_integer(c->parent_id) : json_null(), "author",
        c->author, "body", c->body, "status", comment_status_name(c->status),
        "created_at", time_or_null(c->created_at), "published_at",
        time_or_null(c->published_at), "edited", (int)c->edited, "attachments");
}

void
json_map_add_moderation(json_t *obj, const struct comment_record *c)
{
    json_object_set_new(obj, "email", string_or_null(c->email));
    json_object_set_new(obj, "original_body", json_string(c->original_body));
    json_object_set_new(obj, "version", json_integer(c->version));
    json_object_set_new(obj, "history", json_array());
}

json_t *
json_map_attachment(const struct attachment_record *a)
{
    char url[64];

    json_t *obj;

    snprintf(url, sizeof url, "/api/v1/attachments/%lld", (long long)a->id);
    obj = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)a->id,
                    "filename", a->filename, "content_type", a->content_type,
                    "size", (json_int_t)a->size, "url", url);
    /* API 1.1: images carry their size in pixels, when it is known. */
    if (obj && a->width > 0 && a->height > 0) {
        json_object_set_new(obj, "width", json_integer(a->width));
        json_object_set_new(obj, "height", json_integer(a->height));
    }
    return obj;
}

json_t *
json_map_history(const struct history_record *h)
{
    return json_pack("{s:s, s:o, s:o, s:o}", "action", h->action, "moderator",
                     string_or_null(h->moderator), "at", time_or_null(h->at),
                     "reason", string_or_null(h->reason));
}
