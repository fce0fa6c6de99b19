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

/* Comments first .. end-1: the work of one transaction. */
struct seed {
    long articles, approved_pct;
    long first, end;
};

static enum db_status
seed_batch(struct db *db, void *arg)
{
    const struct seed *s = arg;
    char article[32], author[64], body[256];
    enum db_status st;
    int64_t id;

    for (long i = s->first; i < s->end; i++) {
        long a = i % s->articles, n = i / s->articles;
        struct comment_new in = {
            .article = article,
            .author = author,
            .body = body,
            .created_at = 1700000000 + i,
        };

        snprintf(article, sizeof article, "a%ld", a);
        snprintf(author, sizeof author, "Bạn đọc %ld", n);
        snprintf(
            body, sizeof body,
            "Bình luận số %ld về bài %ld: bài viết rất hay, cảm ơn tác giả đã chia sẻ "
            "những thông tin hữu ích.",
            n, a);
        st = db_comment_insert(db, &in, &id);
        if (st == DB_OK && (i * 7919) % 100 < s->approved_pct)
            st = db_comment_update(db, id, 1, COMMENT_APPROVED, body, false,
                                   in.created_at + 60);
        if (st != DB_OK)
            return st;
    }
    return DB_OK;
}

int
main(int argc, char **argv)
{
    char path[4096], err[512];
    long articles, per_article, approved_pct = 80, total;
    struct seed seed;
    struct db *db;

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: ykien-seed DATA_DIR ARTICLES COMMENTS"
                        " [APPROVED_PERCENT]\n");
        return 2;
    }
    articles = strtol(argv[2], NULL, 10);
    per_article = strtol(argv[3], NULL, 10);
    if (argc == 5)
        approved_pct = strtol(argv[4], NULL, 10);
    if (articles < 1 || per_article < 0 || approved_pct < 0 ||
        approved_pct > 100) {
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
    seed.articles = articles;
    seed.approved_pct = approved_pct;
    total = articles * per_article;
    for (seed.first = 0; seed.first < total; seed.first += BATCH) {
        seed.end = seed.first + BATCH < total ? seed.first + BATCH : total;
        if (db_transaction(db, seed_batch, &seed) != DB_OK)
            goto fail;
    }
    db_close(db);
    printf("seeded %ld comments over %ld articles in %s\n", total, articles,
           argv[1]);
    return 0;
fail:
    fprintf(stderr, "ykien-seed: %s\n", db_errmsg(db));
    db_close(db);
    return 1;
}
