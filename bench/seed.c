/* Benchmark data generator: fills a data folder with ARTICLES articles of
 * COMMENTS comments each, a share of them approved, through the same
 * storage layer (migrations, statements, triggers) the daemon uses.
 *
 *   ykien-seed DATA_DIR ARTICLES COMMENTS [APPROVED_PERCENT]
 *
 * Articles are named a0 .. a<N-1>; comments are spread over articles round
 * robin, so every article's comments are interleaved with the others' as
 * they would be on a busy site. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "db/comments.h"
#include "db/db.h"

enum { BATCH = 20000 };

int
main(int argc, char **argv)
{
    char path[4096], err[512], article[32], author[64], body[256];
    long articles, per_article, approved_pct = 80, total;
    struct db *db;
    int64_t id;

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: ykien-seed DATA_DIR ARTICLES COMMENTS [APPROVED_PERCENT]\n");
        return 2;
    }
    articles = strtol(argv[2], NULL, 10);
    per_article = strtol(argv[3], NULL, 10);
    if (argc == 5)
        approved_pct = strtol(argv[4], NULL, 10);
    if (articles < 1 || per_article < 0 || approved_pct < 0 || approved_pct > 100) {
        fprintf(stderr, "ykien-seed: bad numbers\n");
        return 2;
    }
    mkdir(argv[1], 0750);
    snprintf(path, sizeof path, "%s/tmp", argv[1]);
    mkdir(path, 0750);
    snprintf(path, sizeof path, "%s/files", argv[1]);
    mkdir(path, 0750);
    snprintf(path, sizeof path, "%s/ykien.db", argv[1]);
    if (db_open(path, &db, err, sizeof err) != 0) {
        fprintf(stderr, "ykien-seed: %s\n", err);
        return 1;
    }
    total = articles * per_article;
    for (long i = 0; i < total; i++) {
        long a = i % articles, n = i / articles;
        struct comment_new in = {
            .article = article, .author = author, .body = body, .created_at = 1700000000 + i,
        };

        if (i % BATCH == 0 && db_begin(db) != DB_OK)
            goto fail;
        snprintf(article, sizeof article, "a%ld", a);
        snprintf(author, sizeof author, "Bạn đọc %ld", n);
        snprintf(body, sizeof body,
                 "Bình luận số %ld về bài %ld: bài viết rất hay, cảm ơn tác giả đã chia sẻ "
                 "những thông tin hữu ích.", n, a);
        if (db_comment_insert(db, &in, &id) != DB_OK)
            goto fail;
        if ((i * 7919) % 100 < approved_pct &&
            db_comment_update(db, id, 1, COMMENT_APPROVED, body, false, in.created_at + 60) != DB_OK)
            goto fail;
        if ((i + 1) % BATCH == 0 || i + 1 == total) {
            if (db_commit(db) != DB_OK)
                goto fail;
        }
    }
    db_close(db);
    printf("seeded %ld comments over %ld articles in %s\n", total, articles, argv[1]);
    return 0;
fail:
    fprintf(stderr, "ykien-seed: %s\n", db_errmsg(db));
    db_close(db);
    return 1;
}
