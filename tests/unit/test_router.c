/* Route matching: parameters, 404 versus 405, Allow, HEAD. */
#include "server/router.h"
#include "check.h"

int
main(void)
{
    struct route_match m;

    CHECK(route_match("GET", "/api/v1/articles/a-1/comments", &m) ==
          ROUTE_FOUND);
    CHECK_STR(m.route->name, "comment_list");
    CHECK_STR(m.article, "a-1");
    CHECK(route_match("POST", "/api/v1/articles/a-1/comments", &m) ==
          ROUTE_FOUND);
    CHECK_STR(m.route->name, "comment_create");
    CHECK(route_match("HEAD", "/api/v1/articles/x/comments", &m) ==
          ROUTE_FOUND);
    CHECK_STR(m.route->name, "comment_list");
    CHECK(route_match("DELETE", "/api/v1/articles/x/comments", &m) ==
          ROUTE_NO_METHOD);
    CHECK(strstr(m.allow, "GET") && strstr(m.allow, "POST") &&
          strstr(m.allow, "HEAD"));

    CHECK(route_match("GET", "/api/v1/comments/42", &m) == ROUTE_FOUND);
    CHECK(m.id == 42);
    CHECK(route_match("GET", "/api/v1/comments/042", &m) == ROUTE_NO_PATH);
    CHECK(route_match("GET", "/api/v1/comments/-1", &m) == ROUTE_NO_PATH);
    CHECK(route_match("GET", "/api/v1/comments/abc", &m) == ROUTE_NO_PATH);
    CHECK(route_match("GET", "/api/v1/comments/99999999999999999999", &m) ==
          ROUTE_NO_PATH);
    CHECK(route_match("GET", "/api/v1/comments/", &m) == ROUTE_NO_PATH);
    CHECK(route_match("GET", "/api/v1/comments/1/", &m) == ROUTE_NO_PATH);

    CHECK(route_match("POST", "/api/v1/moderation/comments/7/approve", &m) ==
          ROUTE_FOUND);
    CHECK(m.id == 7 && m.route->auth == ROUTE_MODERATOR);
    CHECK(route_match("PATCH", "/api/v1/moderation/comments/7", &m) ==
          ROUTE_FOUND);
    CHECK_STR(m.route->name, "moderation_edit");
    CHECK(route_match("PUT", "/api/v1/moderation/comments/7", &m) ==
          ROUTE_NO_METHOD);
    CHECK(strstr(m.allow, "PATCH") && strstr(m.allow, "GET"));

    CHECK(route_match("GET", "/healthz", &m) == ROUTE_FOUND);
    CHECK(route_match("GET", "/metrics", &m) == ROUTE_FOUND);
    CHECK(m.route->special == ROUTE_METRICS);
    CHECK(route_match("GET", "/", &m) == ROUTE_NO_PATH);
    CHECK(route_match("GET", "", &m) == ROUTE_NO_PATH);
    CHECK(route_match("GET", "/api/v1/nope", &m) == ROUTE_NO_PATH);
    CHECK(route_match("GET", "/api/v1/articles//comments", &m) ==
          ROUTE_NO_PATH);

    /* An over-long article id still routes, to be refused as invalid. */
    char long_path[600];
    char many[400];
    memset(many, 'a', sizeof many - 1);
    many[sizeof many - 1] = '\0';
    snprintf(long_path, sizeof long_path, "/api/v1/articles/%s/comments", many);
    CHECK(route_match("GET", long_path, &m) == ROUTE_FOUND);
    CHECK_STR(m.article, "");

    CHECK(route_index(route_at(3)) == 3);
    return check_report();
}
