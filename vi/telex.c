/* Telex and VNI keystroke decoding.
 *
 * Both methods work the same way: letters build the syllable, and keys
 * modify it.  A tone key (Telex s f r x j, VNI 1-5) may come anywhere after
 * the first vowel: typists put it right after the vowel ("vafo", "cu3a"),
 * after the vowel group ("Tieesng") or at the end ("Vieetj", "Viet65").  A
 * mark key (Telex w, VNI 6 7 8) modifies the vowel right before it or, when
 * it comes after a consonant, the vowel group ("Viet65", "duocw"); w or 7
 * after "uo" marks both (ươ, the "uow" shortcut).  Telex doubles a vowel
 * for the circumflex ("aa" → â) and "dd" at the start gives đ; VNI 9 gives
 * đ.  Where a key could apply to more than one vowel the candidates are
 * tried in the order typists mean them, and the first that makes a valid
 * syllable wins; the tone's written position is decided when encoding.
 *
 * Must not judge whether a word is raw input: a decodable word may be
 * English ("max", "has"); vi/text_check.c weighs that. */
#include <string.h>

#include "vi/telex.h"

struct raw_event {
    char kind; /* 'w' Telex w, '^' circumflex, '(' breve, '+' horn */
    int pos;   /* letters typed before the key */
};

#define RAW_EVENTS 4

struct raw {
    char let[VI_RAW_MAX];
    unsigned char up[VI_RAW_MAX];
    int n;
    int tone;
    struct raw_event ev[RAW_EVENTS];
    int nev;
};

/* A set of letter positions one key modifies (one, or the pair u+o). */
struct target {
    int idx[2];
    int n;
};

#define MAX_TARGETS 6

static int
is_plain_vowel(char c)
{
    c = (char)(c | 32);
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* The mark a key puts on a vowel ('^' '(' '+'), or 0 if it cannot. */
static char
mark_for(char kind, char vowel)
{
    char b = vi_letter_base(vowel);

    switch (kind) {
    case 'w':
        return b == 'a' ? '(' : (b == 'o' || b == 'u') ? '+' : 0;
    case '+':
        return (b == 'o' || b == 'u') ? '+' : 0;
    case '^':
        return (b == 'a' || b == 'e' || b == 'o') ? '^' : 0;
    case '(':
        return b == 'a' ? '(' : 0;
    default:
        return 0;
    }
}

static void
add_target(struct target *t, int *nt, int a, int b)
{
    if (*nt >= MAX_TARGETS)
        return;
    t[*nt].idx[0] = a;
    t[*nt].idx[1] = b;
    t[*nt].n = b >= 0 ? 2 : 1;
    (*nt)++;
}

static void
add_unique(struct target *t, int *nt, int a, int b)
{
    for (int i = 0; i < *nt; i++)
        if (t[i].idx[0] == a && (t[i].n == 2 ? t[i].idx[1] : -1) == b)
            return;
    add_target(t, nt, a, b);
}

/* Candidate positions for one key, most likely first: the vowel right
 * before the key, then the vowel group from its end (keys typed at the end
 * of the word: "luu7" is lưu, "Viet65" is Việt). */
static int
event_targets(const struct raw *r, const struct raw_event *e, struct target *t)
{
    int nt = 0, k = e->pos - 1;
    int horn = e->kind == 'w' || e->kind == '+';

    if (k >= 0 && vi_letter_is_vowel(r->let[k]) &&
        mark_for(e->kind, r->let[k])) {
        char b = vi_letter_base(r->let[k]);

        if (horn && b == 'o' && k > 0 && vi_letter_base(r->let[k - 1]) == 'u') {
            add_unique(t, &nt, k - 1, k); /* uow → ươ */
            add_unique(t, &nt, k, -1);    /* thuowr → thuở */
        } else {
            add_unique(t, &nt, k, -1);
            if (e->kind == 'w' && b == 'a' && k > 0 &&
                vi_letter_base(r->let[k - 1]) == 'u')
                add_unique(t, &nt, k - 1, -1); /* muaw → mưa */
        }
    } else if (k >= 0 && vi_letter_is_vowel(r->let[k]) && k + 1 < r->n) {
        return 0; /* a key after a vowel it cannot mark, inside the word */
    }
    if (horn) {
        for (int i = r->n - 1; i > 0; i--)
            if (vi_letter_base(r->let[i]) == 'o' &&
                vi_letter_base(r->let[i - 1]) == 'u') {
                add_unique(t, &nt, i - 1, i);
                add_unique(t, &nt, i, -1);
                break;
            }
    }
    for (int i = r->n - 1; i >= 0; i--)
        if (vi_letter_is_vowel(r->let[i]) && mark_for(e->kind, r->let[i]))
            add_unique(t, &nt, i, -1);
    return nt;
}

/* Marks position i for key kind; a letter already carrying that very mark
 * is left alone (the second 7 of "d9uoc775"). */
static int
apply_mark(struct vi_word *w, int i, char kind)
{
    char c = w->letter[i], b = vi_letter_base(c), m = mark_for(kind, c), marked;

    if (!m)
        return 0;
    marked = vi_letter_mark(b, m);
    if (c == marked)
        return 1;
    if (c != b)
        return 0;
    w->letter[i] = marked;
    return 1;
}

static int
finish(struct vi_word *w)
{
    if (!vi_syllable_valid(w))
        return 0;
    return vi_word_has_diacritic(w);
}

/* Tries the spelling repairs an IME applies on its own: "ưo" before a coda
 * or i/u is "ươ" (uwong → ương), and "uơ" there is too. */
static int
finish_with_repairs(struct vi_word *w)
{
    struct vi_word alt;

    if (finish(w))
        return 1;
    alt = *w;
    for (int i = 0; i + 1 < alt.len; i++) {
        if (alt.letter[i] == 'U' && alt.letter[i + 1] == 'o')
            alt.letter[i + 1] = 'P';
        else if (alt.letter[i] == 'u' && alt.letter[i + 1] == 'P')
            alt.letter[i] = 'U';
        else
            continue;
        if (finish(&alt)) {
            *w = alt;
            return 1;
        }
        break;
    }
    return 0;
}

/* Applies the recorded keys, trying target combinations in order. */
static int
resolve(const struct raw *r, struct vi_word *out)
{
    struct target t[RAW_EVENTS][MAX_TARGETS];
    int nt[RAW_EVENTS], pick[RAW_EVENTS] = {0};

    if (r->n <= 0 || r->n >= VI_SYL_MAX)
        return 0;
    for (int e = 0; e < r->nev; e++) {
        nt[e] = event_targets(r, &r->ev[e], t[e]);
        if (nt[e] == 0)
            return 0;
    }
    for (;;) {
        struct vi_word w;
        int ok = 1;

        memset(&w, 0, sizeof w);
        memcpy(w.letter, r->let, (size_t)r->n);
        memcpy(w.upper, r->up, (size_t)r->n);
        w.len = r->n;
        w.tone = r->tone;
        for (int e = 0; e < r->nev && ok; e++) {
            const struct target *tg = &t[e][pick[e]];

            for (int j = 0; j < tg->n && ok; j++)
                ok = apply_mark(&w, tg->idx[j], r->ev[e].kind);
        }
        if (ok && finish_with_repairs(&w)) {
            *out = w;
            return 1;
        }
        /* next combination, like an odometer */
        {
            int e = 0;

            while (e < r->nev && ++pick[e] >= nt[e])
                pick[e++] = 0;
            if (e >= r->nev)
                return 0;
        }
    }
}

static int
push_letter(struct raw *r, char c, int up)
{
    if (r->n >= VI_SYL_MAX - 1)
        return 0;
    r->let[r->n] = c;
    r->up[r->n] = (unsigned char)up;
    r->n++;
    return 1;
}

static int
push_event(struct raw *r, char kind)
{
    if (r->nev >= RAW_EVENTS)
        return 0;
    r->ev[r->nev].kind = kind;
    r->ev[r->nev].pos = r->n;
    r->nev++;
    return 1;
}

/* Records what followed the tone key, for the strength of the evidence. */
static unsigned
tone_position(const char *s, int n, int tone_at)
{
    if (tone_at < 0)
        return 0;
    for (int i = tone_at + 1; i < n; i++) {
        if (is_plain_vowel(s[i]))
            return VI_RAW_TONE | VI_RAW_TONE_VOWEL;
        if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
            return VI_RAW_TONE | VI_RAW_TONE_CONS;
    }
    return VI_RAW_TONE | VI_RAW_TONE_LAST;
}

int
vi_telex_decode(const char *s, int n, struct vi_word *out, unsigned *features,
                char *tone_key)
{
    struct raw r;
    int seen_vowel = 0, last = -1, tone_at = -1, i = 0;
    unsigned f = 0;

    memset(&r, 0, sizeof r);
    *features = 0;
    *tone_key = 0;
    if (n <= 0 || n > VI_RAW_MAX)
        return 0;
    if (n >= 2 && (s[0] | 32) == 'd' && (s[1] | 32) == 'd') {
        push_letter(&r, 'D', s[0] >= 'A' && s[0] <= 'Z');
        f |= VI_RAW_DD;
        i = 2;
    }
    for (; i < n; i++) {
        char c = s[i], lc = (char)(c | 32);
        int up = c >= 'A' && c <= 'Z';
        int prev = last;

        last = -1;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return 0;
        if ((lc == 'a' || lc == 'e' || lc == 'o') && prev >= 0 &&
            r.let[prev] == lc) {
            r.let[prev] = vi_letter_mark(lc, '^');
            f |= VI_RAW_DOUBLE;
        } else if (lc == 'w') {
            if (i > 0 && (s[i - 1] | 32) == 'w')
                return 0;
            if (!seen_vowel) {
                /* w with no vowel before it is ư itself ("nhw", "twf") */
                if (!push_letter(&r, 'U', up))
                    return 0;
                seen_vowel = 1;
                last = r.n - 1;
            } else if (!push_event(&r, 'w')) {
                return 0;
            }
            f |= VI_RAW_W;
        } else if (seen_vowel && (lc == 's' || lc == 'f' || lc == 'r' ||
                                  lc == 'x' || lc == 'j')) {
            if (r.tone)
                return 0; /* a second tone key: not a word anyone typed */
            r.tone = lc == 's'   ? VI_TONE_ACUTE
                     : lc == 'f' ? VI_TONE_GRAVE
                     : lc == 'r' ? VI_TONE_HOOK
                     : lc == 'x' ? VI_TONE_TILDE
                                 : VI_TONE_DOT;
            *tone_key = lc;
            tone_at = i;
        } else if (lc == 'z' || lc == 'f' || lc == 'j') {
            return 0;
        } else {
            if (!push_letter(&r, lc, up))
                return 0;
            if (is_plain_vowel(lc))
                seen_vowel = 1;
            last = r.n - 1;
        }
    }
    f |= tone_position(s, n, tone_at);
    if (!resolve(&r, out))
        return 0;
    *features = f;
    return 1;
}

int
vi_vni_decode(const char *s, int n, struct vi_word *out, unsigned *features)
{
    struct raw r;
    int seen_vowel = 0, tone_at = -1, dd = 0, digits = 0;
    unsigned f = 0;

    memset(&r, 0, sizeof r);
    *features = 0;
    if (n <= 0 || n > VI_RAW_MAX)
        return 0;
    for (int i = 0; i < n; i++) {
        char c = s[i], lc = (char)(c | 32);
        int up = c >= 'A' && c <= 'Z';

        if (c >= '1' && c <= '5') {
            if (!seen_vowel || r.tone)
                return 0;
            r.tone = c == '1'   ? VI_TONE_ACUTE
                     : c == '2' ? VI_TONE_GRAVE
                     : c == '3' ? VI_TONE_HOOK
                     : c == '4' ? VI_TONE_TILDE
                                : VI_TONE_DOT;
            tone_at = i;
            digits++;
        } else if (c >= '6' && c <= '8') {
            if (!seen_vowel || !push_event(&r, c == '6'   ? '^'
                                               : c == '7' ? '+'
                                                          : '('))
                return 0;
            f |= VI_RAW_VNI_MARK;
            digits++;
        } else if (c == '9') {
            if (dd || r.n == 0 || r.let[0] != 'd')
                return 0;
            dd = 1;
            f |= VI_RAW_VNI_MARK;
            digits++;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            if (lc == 'f' || lc == 'j' || lc == 'w' || lc == 'z')
                return 0;
            if (!push_letter(&r, lc, up))
                return 0;
            if (is_plain_vowel(lc))
                seen_vowel = 1;
        } else {
            return 0;
        }
    }
    if (!digits)
        return 0;
    if (dd)
        r.let[0] = 'D';
    /* what follows the tone digit: letters only, digits are keys */
    if (tone_at >= 0) {
        unsigned t = VI_RAW_TONE | VI_RAW_TONE_LAST;

        for (int i = tone_at + 1; i < n; i++) {
            if (is_plain_vowel(s[i])) {
                t = VI_RAW_TONE | VI_RAW_TONE_VOWEL;
                break;
            }
            if ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') {
                t = VI_RAW_TONE | VI_RAW_TONE_CONS;
                break;
            }
        }
        f |= t;
    }
    if (!resolve(&r, out))
        return 0;
    *features = f;
    return 1;
}
