/* JSON mapping, cursors and error rendering: shapes only, no I/O. */
#include <stdlib.h>

#include "api/cursor.h"
#include "api/errors.h"
#include "api/json_map.h"
#include "check.h"

int
main(void)
{
    struct comment_record c = {
        .id = 42,
        .article = "a1",
        .parent_id = 0,
        .author = "Thu Thảo",
        .email = "thao@example.vn",
        .body = "<script>alert(1)</script>",
        .original_body = "x",
        .status = COMMENT_APPROVED,
        .created_at = 1497008134,
        .published_at = 0,
        .edited = true,
        .version = 3,
    };
    json_t *o = json_map_comment(&c);
    char buf[32], cur[CURSOR_MAX];
    int64_t id;

    CHECK(json_integer_value(json_object_get(o, "id")) == 42);
    CHECK(json_is_null(json_object_get(o, "parent_id")));
    CHECK_STR(json_string_value(json_object_get(o, "created_at")),
              "2017-06-09T11:35:34Z");
    CHECK(json_is_null(json_object_get(o, "published_at")));
    CHECK(json_is_true(json_object_get(o, "edited")));
    CHECK_STR(json_string_value(json_object_get(o, "body")),
              "<script>alert(1)</script>");
    CHECK(json_array_size(json_object_get(o, "attachments")) == 0);
    CHECK(!json_object_get(o, "email"));
    CHECK(!json_object_get(o, "original_body"));
    json_map_add_moderation(o, &c);
    CHECK_STR(json_string_value(json_object_get(o, "email")),
              "thao@example.vn");
    CHECK(json_integer_value(json_object_get(o, "version")) == 3);
    CHECK(json_is_array(json_object_get(o, "history")));
    json_decref(o);

    c.parent_id = 7;
    o = json_map_comment(&c);
    CHECK(json_integer_value(json_object_get(o, "parent_id")) == 7);
    json_decref(o);

    struct attachment_record a = {.id = 9,
                                  .filename = "ảnh.png",
                                  .content_type = "image/png",
                                  .size = 100,
                                  .sha256 = "x"};
    o = json_map_attachment(&a);
    CHECK_STR(json_string_value(json_object_get(o, "url")),
              "/api/v1/attachments/9");
    CHECK(!json_object_get(o, "sha256"));
    json_decref(o);

    struct history_record h = {.action = "created", .moderator = NULL, .at = 0};
    o = json_map_history(&h);
    CHECK(json_is_null(json_object_get(o, "moderator")));
    json_decref(o);

    json_map_time(0, buf, sizeof buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");

    cursor_encode(false, 123, cur);
    CHECK(cursor_decode(cur, false, &id) == 0 && id == 123);
    CHECK(cursor_decode(cur, true, &id) == -1); /* made for the other order */
    cursor_encode(true, 5, cur);
    CHECK(cursor_decode(cur, true, &id) == 0 && id == 5);
    CHECK(cursor_decode("", false, &id) == -1);
    CHECK(cursor_decode("!!!", false, &id) == -1);
    CHECK(cursor_decode("djE6YTow", false, &id) == -1);   /* "v1:a:0" */
    CHECK(cursor_decode("djE6YTotMQ", false, &id) == -1); /* "v1:a:-1" */
    CHECK(cursor_decode("djE6ZDo1AGp1bms", true, &id) ==
          -1); /* "v1:d:5\0junk" */

    o = api_error_json(API_E_MISSING_DIACRITICS, API_LANG_VI, "body");
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(o, "error"), "code")),
        "missing_diacritics");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(o, "error"), "message")),
              "Vui lòng gõ tiếng Việt có dấu.");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(o, "error"), "field")),
              "body");
    json_decref(o);
    o = api_error_json(API_E_NOT_FOUND, API_LANG_EN, NULL);
    CHECK(!json_object_get(json_object_get(o, "error"), "field"));
    json_decref(o);
    CHECK(api_error_status(API_E_PAYLOAD_TOO_LARGE) == 413);
    CHECK(api_error_status(API_E_BAD_UTF8) == 400);
    CHECK_STR(api_error_code(API_E_BAD_UTF8), "bad_request");

    CHECK(api_lang_from_header(NULL) == API_LANG_VI);
    CHECK(api_lang_from_header("en") == API_LANG_EN);
    CHECK(api_lang_from_header("en-US,en;q=0.9") == API_LANG_EN);
    CHECK(api_lang_from_header("vi-VN,vi;q=0.9,en;q=0.8") == API_LANG_VI);
    CHECK(api_lang_from_header("fr, en;q=0.5") == API_LANG_EN);
    CHECK(api_lang_from_header("en;q=0") == API_LANG_VI);
    CHECK(api_lang_from_header("english") == API_LANG_VI);
    return check_report();
}
