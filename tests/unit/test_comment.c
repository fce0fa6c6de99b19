/* The comment domain: article ids, field validation, e-mail, and the
 * moderation state machine. */
#include <stdlib.h>

#include "api/comment.h"
#include "check.h"

static const struct api_config cfg = {
    .max_author_chars = 100,
    .max_body_chars = 5000,
    .text_policy = TEXT_POLICY_ANY,
};

static enum api_error
body_result(const char *text, char **out)
{
    char *suggestion = NULL;
    enum api_error e = comment_clean_text(&cfg, TEXT_FIELD_BODY, text,
                                          strlen(text), out, &suggestion);

    free(suggestion);
    return e;
}

int
main(void)
{
    char *out = NULL, *email = NULL;
    char buf[6000];

    CHECK(comment_article_valid("thu-dau-mot-lam-theo-bac-2017"));
    CHECK(comment_article_valid("A.b_c-d:9"));
    CHECK(!comment_article_valid(""));
    CHECK(!comment_article_valid(NULL));
    CHECK(!comment_article_valid("bad article id!"));
    CHECK(!comment_article_valid("a/b"));
    CHECK(!comment_article_valid("bài"));
    memset(buf, 'x', 128);
    buf[128] = '\0';
    CHECK(comment_article_valid(buf));
    buf[128] = 'x';
    buf[129] = '\0';
    CHECK(!comment_article_valid(buf));

    CHECK(body_result("Bài viết rất hay.", &out) == API_OK);
    CHECK_STR(out, "Bài viết rất hay.");
    free(out);
    CHECK(body_result("   ", &out) == API_E_EMPTY && out == NULL);
    CHECK(body_result("a\x01", &out) == API_E_INVALID_FIELD);
    CHECK(body_result("\xff", &out) == API_E_BAD_UTF8);

    /* 5,000 code points pass, 5,001 do not, whatever their byte length. */
    {
        char *big = malloc(5001 * 3 + 1);
        size_t o = 0;

        for (int i = 0; i < 5000; i++) {
            memcpy(big + o, "ạ", 3);
            o += 3;
        }
        big[o] = '\0';
        {
            char *sugg = NULL;

            CHECK(comment_clean_text(&cfg, TEXT_FIELD_AUTHOR, "ạ", 3, &out,
                                     &sugg) == API_OK);
            free(out);
            free(sugg);
        }
        {
            char *sugg = NULL;
            enum api_error e =
                comment_clean_text(&cfg, TEXT_FIELD_BODY, big, o, &out, &sugg);
            /* Only the length rule is under test here: the text checker may
             * have an opinion on a string of "ạ". */
            CHECK(e == API_OK || e == API_E_MISSING_DIACRITICS);
            free(out);
            free(sugg);
        }
        memcpy(big + o, "ạ", 3);
        big[o + 3] = '\0';
        CHECK(body_result(big, &out) == API_E_TOO_LONG);
        free(big);
    }

    /* Text that displays as something else is refused. */
    {
        char *sugg = NULL;

        CHECK(comment_clean_text(&cfg, TEXT_FIELD_AUTHOR,
                                 "Thu \xe2\x80\xaeThảo", 13, &out,
                                 &sugg) == API_E_INVALID_FIELD); /* U+202E */
        CHECK(comment_clean_text(&cfg, TEXT_FIELD_AUTHOR, "Thu\xe2\x80\x8bThảo",
                                 12, &out,
                                 &sugg) == API_E_INVALID_FIELD); /* ZWSP */
        CHECK(comment_clean_text(&cfg, TEXT_FIELD_AUTHOR, "An\xe2\x81\xa6x", 6,
                                 &out,
                                 &sugg) == API_E_INVALID_FIELD); /* U+2066 */
        CHECK(comment_clean_text(
                  &cfg, TEXT_FIELD_AUTHOR,
                  "An \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa7", 14, &out,
                  &sugg) == API_OK); /* ZWJ emoji */
        free(out);
        CHECK(body_result("Bài viết hay \xe2\x80\xae lắm", &out) ==
              API_E_INVALID_FIELD);
        CHECK(body_result("Bài viết\xe2\x80\x8b hay lắm", &out) ==
              API_OK); /* ZWSP in a body */
        free(out);
        free(sugg);
    }
    CHECK(comment_clean_note("  rút gọn ", 13, &out) == API_OK);
    CHECK_STR(out, "rút gọn");
    free(out);
    CHECK(comment_clean_note("  ", 2, &out) == API_OK && out == NULL);
    CHECK(comment_clean_note("a\x07", 2, &out) == API_E_INVALID_FIELD);
    CHECK(comment_clean_note("a\xe2\x80\xae", 4, &out) == API_E_INVALID_FIELD);
    {
        char note[1002];

        memset(note, 'x', 1001);
        note[1001] = '\0';
        CHECK(comment_clean_note(note, 1001, &out) == API_E_TOO_LONG &&
              out == NULL);
        CHECK(comment_clean_note(note, 1000, &out) == API_OK);
        free(out);
    }

    CHECK(comment_clean_email("thao@example.vn", 15, &email) == API_OK);
    CHECK_STR(email, "thao@example.vn");
    free(email);
    CHECK(comment_clean_email("  ", 2, &email) == API_OK && email == NULL);
    CHECK(comment_clean_email("no-at-sign", 10, &email) == API_E_INVALID_FIELD);
    CHECK(comment_clean_email("a@b@c", 5, &email) == API_E_INVALID_FIELD);
    CHECK(comment_clean_email("a b@c", 5, &email) == API_E_INVALID_FIELD);
    CHECK(comment_clean_email("@c", 2, &email) == API_E_INVALID_FIELD);
    CHECK(comment_clean_email("a@", 2, &email) == API_E_INVALID_FIELD);

    CHECK(comment_action_allowed(COMMENT_PENDING, ACTION_APPROVE));
    CHECK(comment_action_allowed(COMMENT_REJECTED, ACTION_APPROVE));
    CHECK(!comment_action_allowed(COMMENT_APPROVED, ACTION_APPROVE));
    CHECK(comment_action_allowed(COMMENT_PENDING, ACTION_REJECT));
    CHECK(comment_action_allowed(COMMENT_APPROVED, ACTION_REJECT));
    CHECK(!comment_action_allowed(COMMENT_REJECTED, ACTION_REJECT));
    CHECK(comment_action_allowed(COMMENT_APPROVED, ACTION_EDIT));
    CHECK(comment_action_target(COMMENT_PENDING, ACTION_APPROVE) ==
          COMMENT_APPROVED);
    CHECK(comment_action_target(COMMENT_APPROVED, ACTION_REJECT) ==
          COMMENT_REJECTED);
    CHECK(comment_action_target(COMMENT_REJECTED, ACTION_EDIT) ==
          COMMENT_REJECTED);
    return check_report();
}
