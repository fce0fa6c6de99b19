/* The rule matcher: pattern validation, compilation into two byte tries
 * (exact and mark-free), and matching anchored at word starts. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "api/fold.h"
#include "api/rules.h"
#include "api/unicode.h"

enum api_error
rules_clean_pattern(const char *in, size_t len, char **out)
{
    const utf8proc_uint8_t *p;
    char *clean = NULL, *w;
    size_t clean_len, chars, words = 0;
    bool in_word = false, space_owed = false, star = false;
    enum api_error rc = API_OK;

    *out = NULL;
    switch (uni_clean(in, len, &clean, &clean_len, &chars)) {
    case UNI_OK:
        break;
    case UNI_BAD_UTF8:
        return API_E_BAD_UTF8;
    case UNI_CONTROL:
        return API_E_INVALID_FIELD;
    case UNI_NOMEM:
        return API_E_INTERNAL;
    }
    if (clean_len == 0) {
        rc = API_E_EMPTY;
        goto out;
    }
    if (chars > RULES_PATTERN_MAX) {
        rc = API_E_TOO_LONG;
        goto out;
    }
    /* Rewritten in place: the result is never longer. */
    p = (const utf8proc_uint8_t *)clean;
    w = clean;
    for (size_t i = 0; i < clean_len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(p + i, (utf8proc_ssize_t)(clean_len - i), &cp);
        enum fold_kind kind;

        if (n <= 0 || star) { /* nothing may follow the '*' */
            rc = API_E_INVALID_FIELD;
            goto out;
        }
        kind = fold_kind_of(cp);
        if (cp == '*') {
            if (!in_word) {
                rc = API_E_INVALID_FIELD;
                goto out;
            }
            star = true;
            *w++ = '*';
        } else if (kind == FOLD_WHITE) {
            space_owed = in_word || space_owed;
            in_word = false;
        } else if (kind == FOLD_OTHER) {
            rc = API_E_INVALID_FIELD;
            goto out;
        } else {
            if (!in_word) {
                words++;
                if (space_owed)
                    *w++ = ' ';
                space_owed = false;
                in_word = true;
            }
            memmove(w, p + i, (size_t)n);
            w += n;
        }
        i += (size_t)n;
    }
    *w = '\0';
    if (words > RULES_WORDS_MAX) {
        rc = API_E_TOO_LONG;
        goto out;
    }
    *out = clean;
    clean = NULL;
out:
    free(clean);
    return rc;
}

/* ---- tries --------------------------------------------------------- */

/* Node of the trie being built: first child, next sibling. */
struct bnode {
    int32_t child;
    int32_t sibling;
    int32_t word_rule;   /* rule ending here at a word end, or -1 */
    int32_t prefix_rule; /* rule ending here with '*', or -1 */
    uint8_t byte;
};

struct builder {
    struct bnode *nodes;
    size_t n, cap;
};

/* The compiled trie, laid out breadth first: the children of a node are
 * the nodes first_child .. first_child + n_children - 1, sorted by the
 * byte on their incoming edge, in_byte[child]; the root's are also
 * indexed in root_next.  A step reads the parent, one run of in_byte and
 * nothing else. */
struct tnode {
    uint32_t first_child;
    uint16_t n_children;
    uint8_t inline_byte[2]; /* in_byte of the first two children: most
                             * nodes deep in the trie have one or two, and
                             * a step then reads nothing but the node */
    int32_t word_rule;
    int32_t prefix_rule;
};

struct trie {
    struct tnode *nodes;
    uint8_t *in_byte;
    size_t n_nodes;
    int32_t root_next[256];
};

struct compiled_rule {
    int64_t id;
    char *pattern;
    bool reject;
};

struct rule_set {
    atomic_int refs;
    struct compiled_rule *rules;
    size_t n_rules;
    struct trie exact;
    struct trie bare;
};

static int32_t
new_node(struct builder *b, uint8_t byte)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        struct bnode *bigger = realloc(b->nodes, cap * sizeof *bigger);

        if (!bigger)
            return -1;
        b->nodes = bigger;
        b->cap = cap;
    }
    b->nodes[b->n] = (struct bnode){.child = -1,
                                    .sibling = -1,
                                    .word_rule = -1,
                                    .prefix_rule = -1,
                                    .byte = byte};
    return (int32_t)b->n++;
}

/* Keeps the stronger of two rules on one node: reject over hold, else the
 * older. */
static int32_t
stronger(const struct compiled_rule *rules, int32_t have, int32_t rule)
{
    if (have < 0 || (rules[rule].reject && !rules[have].reject))
        return rule;
    return have;
}

static int
insert(struct builder *b, const struct compiled_rule *rules, const char *key,
       size_t len, bool prefix, int32_t rule)
{
    int32_t node = 0;

    for (size_t i = 0; i < len; i++) {
        uint8_t byte = (uint8_t)key[i];
        int32_t c = b->nodes[node].child;

        while (c >= 0 && b->nodes[c].byte != byte)
            c = b->nodes[c].sibling;
        if (c < 0) {
            c = new_node(b, byte);
            if (c < 0)
                return -1;
            b->nodes[c].sibling = b->nodes[node].child;
            b->nodes[node].child = c;
        }
        node = c;
    }
    if (prefix)
        b->nodes[node].prefix_rule =
            stronger(rules, b->nodes[node].prefix_rule, rule);
    else
        b->nodes[node].word_rule =
            stronger(rules, b->nodes[node].word_rule, rule);
    return 0;
}

static int
by_byte(const void *a, const void *b)
{
    const struct bnode *const *x = a, *const *y = b;

    return (int)(*x)->byte - (int)(*y)->byte;
}

/* Lays the built trie out breadth first, children sorted by byte. */
static int
flatten(const struct builder *b, struct trie *t)
{
    int32_t *order =
        malloc(b->n * sizeof *order); /* built node of each new index */
    const struct bnode **kids = malloc(256 * sizeof *kids);
    size_t head = 0, tail = 0;
    int rc = -1;

    t->nodes = calloc(b->n, sizeof *t->nodes);
    t->in_byte = calloc(b->n, 1);
    t->n_nodes = b->n;
    for (int i = 0; i < 256; i++)
        t->root_next[i] = -1;
    if (!order || !kids || !t->nodes || !t->in_byte)
        goto out;
    order[tail++] = 0;
    while (head < tail) {
        size_t at = head;
        const struct bnode *n = &b->nodes[order[head++]];
        size_t k = 0;

        t->nodes[at].word_rule = n->word_rule;
        t->nodes[at].prefix_rule = n->prefix_rule;
        for (int32_t c = n->child; c >= 0; c = b->nodes[c].sibling)
            kids[k++] = &b->nodes[c];
        qsort(kids, k, sizeof *kids, by_byte);
        t->nodes[at].first_child = (uint32_t)tail;
        t->nodes[at].n_children = (uint16_t)k;
        for (size_t i = 0; i < k && i < 2; i++)
            t->nodes[at].inline_byte[i] = kids[i]->byte;
        for (size_t i = 0; i < k; i++) {
            t->in_byte[tail] = kids[i]->byte;
            if (at == 0)
                t->root_next[kids[i]->byte] = (int32_t)tail;
            order[tail++] = (int32_t)(kids[i] - b->nodes);
        }
    }
    rc = 0;
out:
    free(order);
    free(kids);
    return rc;
}

static void
trie_release(struct trie *t)
{
    free(t->nodes);
    free(t->in_byte);
}

static inline int32_t
step(const struct trie *t, int32_t node, uint8_t byte)
{
    const struct tnode *n = &t->nodes[node];
    const uint8_t *bytes;
    uint32_t lo = 0, hi = n->n_children;

    if (hi <= 2) {
        if (hi >= 1 && n->inline_byte[0] == byte)
            return (int32_t)n->first_child;
        if (hi == 2 && n->inline_byte[1] == byte)
            return (int32_t)n->first_child + 1;
        return -1;
    }
    bytes = t->in_byte + n->first_child;
    if (hi <= 8) {
        for (uint32_t i = 0; i < hi; i++) {
            if (bytes[i] == byte)
                return (int32_t)(n->first_child + i);
        }
        return -1;
    }
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;

        if (bytes[mid] < byte)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n->n_children && bytes[lo] == byte
               ? (int32_t)(n->first_child + lo)
               : -1;
}

/* ---- compile ------------------------------------------------------- */

struct rule_set *
rules_compile(const struct rule_spec *specs, size_t n)
{
    struct rule_set *set = calloc(1, sizeof *set);
    struct builder exact = {0}, bare = {0};
    struct fold_buf fe = {0}, fb = {0};
    bool ok = false;

    if (!set)
        return NULL;
    atomic_init(&set->refs, 1);
    set->rules = calloc(n ? n : 1, sizeof *set->rules);
    if (!set->rules || new_node(&exact, 0) < 0 || new_node(&bare, 0) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct compiled_rule *r = &set->rules[set->n_rules];
        const struct fold_buf *key;
        char *clean;
        size_t len;
        bool prefix;
        enum api_error e = rules_clean_pattern(
            specs[i].pattern, strlen(specs[i].pattern), &clean);

        if (e == API_E_INTERNAL)
            goto out;
        if (e != API_OK)
            continue;
        len = strlen(clean);
        prefix = clean[len - 1] == '*';
        if (fold_words(clean, len - prefix, &fe,
                       specs[i].ignore_marks ? &fb : NULL) != 0) {
            free(clean);
            goto out;
        }
        key = specs[i].ignore_marks ? &fb : &fe;
        if (key->len == 0) {
            free(clean);
            continue;
        }
        *r = (struct compiled_rule){
            .id = specs[i].id, .pattern = clean, .reject = specs[i].reject};
        if (insert(specs[i].ignore_marks ? &bare : &exact, set->rules,
                   key->data, key->len, prefix, (int32_t)set->n_rules) != 0) {
            set->n_rules++; /* freed with the set */
            goto out;
        }
        set->n_rules++;
    }
    if (flatten(&exact, &set->exact) != 0 || flatten(&bare, &set->bare) != 0)
        goto out;
    ok = true;
out:
    free(exact.nodes);
    free(bare.nodes);
    fold_buf_release(&fe);
    fold_buf_release(&fb);
    if (!ok) {
        rules_release(set);
        return NULL;
    }
    return set;
}

void
rules_retain(struct rule_set *set)
{
    atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
}

void
rules_release(struct rule_set *set)
{
    if (!set ||
        atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < set->n_rules; i++)
        free(set->rules[i].pattern);
    free(set->rules);
    trie_release(&set->exact);
    trie_release(&set->bare);
    free(set);
}

size_t
rules_count(const struct rule_set *set)
{
    return set->n_rules;
}

const char *
rules_pattern(const struct rule_set *set, size_t i)
{
    return set->rules[i].pattern;
}

int64_t
rules_id(const struct rule_set *set, size_t i)
{
    return set->rules[i].id;
}

/* ---- match --------------------------------------------------------- */

static void
hit(const struct rule_set *set, int32_t rule, struct rule_verdict *v)
{
    if (set->rules[rule].reject) {
        if (!v->reject) {
            v->reject = true;
            v->reject_id = set->rules[rule].id;
        }
        return;
    }
    for (size_t i = 0; i < v->n_holds; i++) {
        if (v->holds[i] == (size_t)rule)
            return;
    }
    if (v->n_holds < RULES_HOLDS_MAX)
        v->holds[v->n_holds++] = (size_t)rule;
}

static inline bool
is_separator(uint8_t byte)
{
    return byte == FOLD_SPACE || byte == FOLD_BREAK;
}

/* Walks the trie from every word start of the folded text. */
static void
scan(const struct rule_set *set, const struct trie *t,
     const struct fold_buf *text, struct rule_verdict *v)
{
    const uint8_t *s = (const uint8_t *)text->data;
    size_t len = text->len, start = 0;

    if (t->nodes[0].n_children == 0)
        return;
    while (start < len) {
        int32_t node = t->root_next[s[start]];
        size_t i = start;

        while (node >= 0) {
            const struct tnode *n = &t->nodes[node];

            i++;
            if (n->prefix_rule >= 0)
                hit(set, n->prefix_rule, v);
            if (n->word_rule >= 0 && (i == len || is_separator(s[i])))
                hit(set, n->word_rule, v);
            if (i == len)
                break;
            node = step(t, node, s[i]);
        }
        if (v->reject)
            return;
        /* On to the next word start (a phrase's walk may have gone past
         * it: look from this word's start). */
        for (i = start; i < len && !is_separator(s[i]); i++)
            ;
        start = i + 1;
    }
}

int
rules_match(const struct rule_set *set, const char *text, size_t len,
            struct rule_verdict *v)
{
    struct fold_buf exact = {0}, bare = {0};
    bool want_bare = set->bare.nodes[0].n_children > 0;
    int rc = -1;

    if (set->n_rules == 0)
        return 0;
    if (fold_words(text, len, &exact, want_bare ? &bare : NULL) != 0)
        goto out;
    scan(set, &set->exact, &exact, v);
    if (want_bare)
        scan(set, &set->bare, &bare, v);
    rc = 0;
out:
    fold_buf_release(&exact);
    fold_buf_release(&bare);
    return rc;
}
