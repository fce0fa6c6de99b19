/* Vietnamese syllable structure, from the rules of the orthography.
 *
 * A syllable is onset + rhyme + tone.  The onsets are listed in
 * parse_onset(); the rhymes (optional glide o/u, nucleus, coda) are written
 * out below from the standard inventory, nucleus by nucleus, with the codas
 * each nucleus takes.  The spelling rules that tie an onset to its rhyme
 * (c/k/q, g/gh, ng/ngh, gi, iê/yê, which onsets take a glide) live in
 * onset_takes().  Stop codas (c ch p t) allow only sắc and nặng.  At
 * vi_init() the rhyme lists become a hash table, and a second table maps
 * each rhyme stripped of its marks ("uong") to the rhymes it may stand for
 * ("uông", "ương"), which is what recognising unaccented text needs.
 *
 * Also here: decoding code points into letters and tones (the tables are
 * derived at start-up from utf8proc's canonical decompositions, so no code
 * point is typed in by hand) and encoding a syllable back to NFC.
 *
 * This file must not grow word lists or anything learnt from sample text:
 * it describes what can be a syllable, not which syllables are common. */
#include <assert.h>
#include <pthread.h>
#include <string.h>

#include <utf8proc.h>

#include "util/hashmap.h"
#include "vi/syllable.h"

/* The 13 letter forms that carry case and tone, in the internal alphabet. */
static const char forms[] = "aWAeEioOPuUyD";
#define FORM_COUNT 13

/* ---- the rhyme inventory ------------------------------------------------ */

/* Rhymes without a glide, by nucleus.  'y' alone is the old spelling of an
 * open i ("ký", "lý"); "ia" "ua" "ưa" are the open forms of iê uô ươ; "yê"
 * is iê with no onset ("yên", "yêu").  Loan rhymes such as "oong" are left
 * out on purpose: their stripped forms clash with Telex ("boong"). */
/* clang-format off */
static const char *const rhymes_plain[] = {
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au",
    "ay",
    "Wc", "Wm", "Wn", "Wng", "Wp", "Wt",
    "Ac", "Am", "An", "Ang", "Ap", "At", "Au", "Ay",
    "e", "ec", "em", "en", "eng", "eo", "ep", "et",
    "E", "Ech", "Em", "En", "Enh", "Ep", "Et", "Eu",
    "i", "ich", "im", "in", "inh", "ip", "it", "iu",
    "y",
    "ia", "iEc", "iEm", "iEn", "iEng", "iEp", "iEt", "iEu",
    "yEm", "yEn", "yEng", "yEt", "yEu",
    "o", "oc", "oi", "om", "on", "ong", "op", "ot",
    "O", "Oc", "Oi", "Om", "On", "Ong", "Op", "Ot",
    "P", "Pi", "Pm", "Pn", "Pp", "Pt",
    "u", "uc", "ui", "um", "un", "ung", "up", "ut",
    "ua", "uOc", "uOi", "uOm", "uOn", "uOng", "uOt",
    "U", "Uc", "Ui", "Ung", "Ut", "Uu",
    "Ua", "UPc", "UPi", "UPm", "UPn", "UPng", "UPp", "UPt", "UPu",
};

/* Rhymes with the glide o: only before a, ă, e ("hoa", "hoặc", "khoe"). */
static const char *const rhymes_glide_o[] = {
    "oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oap", "oat",
    "oay",
    "oWc", "oWm", "oWn", "oWng", "oWt",
    "oe", "oen", "oeo", "oet",
};

/* Rhymes with the glide u after an onset other than q: before â, ê, y, ơ
 * ("xuân", "huế", "tuy", "thuở", "khuyên", "khuya"). */
static const char *const rhymes_glide_u[] = {
    "uAn", "uAng", "uAt", "uAy",
    "uE", "uEch", "uEnh",
    "uy", "uych", "uynh", "uyp", "uyt", "uyu", "uyEn", "uyEt", "uya",
    "uP",
};

/* After q the u is always a glide and may come before most nuclei
 * ("qua", "quăng", "quân", "que", "quê", "quý", "quốc", old "qui"). */
static const char *const rhymes_q[] = {
    "ua", "uac", "uach", "uai", "uan", "uang", "uanh", "uat", "uay",
    "uWc", "uWm", "uWn", "uWng", "uWt",
    "uAn", "uAng", "uAt", "uAy",
    "ue", "uen", "ueo", "uet",
    "uE", "uEch", "uEn", "uEnh",
    "uy", "uych", "uynh", "uyp", "uyt", "uyu", "uyEn", "uyEt", "uya",
    "uP", "uOc", "ui",
};
/* clang-format on */

enum {
    RH_PLAIN = 1,
    RH_GLIDE_O = 2,
    RH_GLIDE_U = 4,
    RH_Q = 8,
};

struct rhyme {
    char s[8];
    unsigned char cls;    /* RH_* lists the rhyme is in */
    unsigned char stop;   /* coda c, ch, p, t */
    unsigned char front;  /* starts with e ê i y: takes k, gh, ngh */
    unsigned char marked; /* has â ă ê ô ơ ư */
};

#define RHYME_MAX 256
#define RHYME_SLOTS 512
#define SKEL_SLOTS 512
#define SKEL_ALTS 8

/* The rhymes in the order they are listed, and a table from a rhyme's
 * letters to its index there. */
static struct rhyme rhymes[RHYME_MAX];
static int rhyme_count;
static struct hashmap rhyme_map;
static char rhyme_keys[RHYME_SLOTS][8];
static short rhyme_index[RHYME_SLOTS];

/* A table from a rhyme stripped of its marks to the rhymes it may be. */
struct skeleton {
    unsigned char n;
    short alt[SKEL_ALTS]; /* indexes into rhymes[] */
};
static struct hashmap skel_map;
static char skel_keys[SKEL_SLOTS][8];
static struct skeleton skeletons[SKEL_SLOTS];

/* Code point tables: bits 0-3 form + 1, bits 4-6 tone, bit 7 upper case. */
#define R1_LO 0x00C0
#define R1_HI 0x01B0
#define R2_LO 0x1EA0
#define R2_HI 0x1EF9
static unsigned char cp_r1[R1_HI - R1_LO + 1];
static unsigned char cp_r2[R2_HI - R2_LO + 1];
static uint32_t cp_enc[FORM_COUNT][6][2];

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

int
vi_letter_is_vowel(char c)
{
    /* clang-format off */
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': case 'y':
    case 'A': case 'W': case 'E': case 'O': case 'P': case 'U':
        return 1;
    default:
        return 0;
    }
    /* clang-format on */
}

static int
is_marked_letter(char c)
{
    return c == 'A' || c == 'W' || c == 'E' || c == 'O' || c == 'P' || c == 'U';
}

char
vi_letter_base(char c)
{
    /* clang-format off */
    switch (c) {
    case 'A': case 'W': return 'a';
    case 'E': return 'e';
    case 'O': case 'P': return 'o';
    case 'U': return 'u';
    case 'D': return 'd';
    default: return c;
    }
    /* clang-format on */
}

static void
add_rhyme(const char *s, unsigned cls)
{
    int n = (int)strlen(s);
    bool added;
    int slot = hashmap_add(&rhyme_map, s, (size_t)n, &added);
    struct rhyme *r;

    assert(slot >= 0 &&
           (!added || rhyme_count < RHYME_MAX)); /* the lists above fit */
    if (slot < 0)
        return;
    if (!added) {
        rhymes[rhyme_index[slot]].cls |= (unsigned char)cls;
        return;
    }
    if (rhyme_count >= RHYME_MAX)
        return;
    r = &rhymes[rhyme_count];
    memcpy(r->s, s, (size_t)n + 1);
    r->cls = (unsigned char)cls;
    r->stop =
        (n >= 1 && (s[n - 1] == 'c' || s[n - 1] == 'p' || s[n - 1] == 't')) ||
        (n >= 2 && strcmp(s + n - 2, "ch") == 0);
    r->front = s[0] == 'e' || s[0] == 'E' || s[0] == 'i' || s[0] == 'y';
    r->marked = 0;
    for (int i = 0; i < n; i++)
        if (is_marked_letter(s[i]))
            r->marked = 1;
    rhyme_index[slot] = (short)rhyme_count;
    rhyme_count++;
}

static const struct rhyme *
find_rhyme(const char *s, int n)
{
    int slot = n > 0 ? hashmap_find(&rhyme_map, s, (size_t)n) : -1;

    return slot >= 0 ? &rhymes[rhyme_index[slot]] : NULL;
}

static void
add_skeleton(int idx)
{
    char key[8];
    int n = (int)strlen(rhymes[idx].s);
    bool added;
    int slot;
    struct skeleton *k;

    for (int i = 0; i < n; i++)
        key[i] = vi_letter_base(rhymes[idx].s[i]);
    slot = hashmap_add(&skel_map, key, (size_t)n, &added);
    assert(slot >= 0);
    if (slot < 0)
        return;
    k = &skeletons[slot];
    assert(k->n < SKEL_ALTS);
    if (k->n < SKEL_ALTS)
        k->alt[k->n++] = (short)idx;
}

static const struct skeleton *
find_skeleton(const char *s, int n)
{
    int slot = n > 0 ? hashmap_find(&skel_map, s, (size_t)n) : -1;

    return slot >= 0 ? &skeletons[slot] : NULL;
}

/* Index of c in forms[], or -1 for consonants. */
static int
form_index(char c)
{
    /* clang-format off */
    switch (c) {
    case 'a': return 0;
    case 'W': return 1;
    case 'A': return 2;
    case 'e': return 3;
    case 'E': return 4;
    case 'i': return 5;
    case 'o': return 6;
    case 'O': return 7;
    case 'P': return 8;
    case 'u': return 9;
    case 'U': return 10;
    case 'y': return 11;
    case 'D': return 12;
    default: return -1;
    }
    /* clang-format on */
}

/* Fills the code point tables from canonical decompositions: every code
 * point in the two ranges that decomposes to a Vietnamese vowel plus the
 * marks Vietnamese uses becomes an entry. */
static void
build_cp_tables(void)
{
    for (uint32_t cp = R1_LO; cp <= R2_HI; cp++) {
        utf8proc_int32_t d[8];
        utf8proc_ssize_t n;
        int last = 0, tone = 0, upper, f;
        char letter;

        if (cp == R1_HI + 1)
            cp = R2_LO;
        n = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 8,
                                    UTF8PROC_DECOMPOSE, &last);
        if (n < 2 || n > 3 || d[0] > 0x7f)
            continue;
        upper = d[0] >= 'A' && d[0] <= 'Z';
        letter = (char)(upper ? d[0] + 32 : d[0]);
        if (!strchr("aeiouy", letter))
            continue;
        for (utf8proc_ssize_t i = 1; i < n; i++) {
            char m = 0;

            /* clang-format off */
            switch (d[i]) {
            case 0x300: tone = tone ? -1 : VI_TONE_GRAVE; break;
            case 0x301: tone = tone ? -1 : VI_TONE_ACUTE; break;
            case 0x309: tone = tone ? -1 : VI_TONE_HOOK; break;
            case 0x303: tone = tone ? -1 : VI_TONE_TILDE; break;
            case 0x323: tone = tone ? -1 : VI_TONE_DOT; break;
            case 0x302: m = '^'; break;
            case 0x306: m = '('; break;
            case 0x31B: m = '+'; break;
            default: tone = -1; break;
            }
            /* clang-format on */
            if (m) {
                letter = vi_letter_mark(letter, m);
                if (!letter)
                    break;
            }
        }
        if (!letter || tone < 0)
            continue;
        f = form_index(letter);
        if (f < 0)
            continue;
        {
            unsigned char code =
                (unsigned char)((f + 1) | (tone << 4) | (upper << 7));

            if (cp <= R1_HI)
                cp_r1[cp - R1_LO] = code;
            else
                cp_r2[cp - R2_LO] = code;
        }
        cp_enc[f][tone][upper] = cp;
    }
    for (int f = 0; f < FORM_COUNT; f++) {
        if (strchr("aeiouy", forms[f])) {
            cp_enc[f][0][0] = (uint32_t)forms[f];
            cp_enc[f][0][1] = (uint32_t)forms[f] - 32;
        }
    }
    cp_enc[form_index('D')][0][0] = 0x111;
    cp_enc[form_index('D')][0][1] = 0x110;
    cp_r1[0x111 - R1_LO] = (unsigned char)(form_index('D') + 1);
    cp_r1[0x110 - R1_LO] = (unsigned char)((form_index('D') + 1) | 0x80);
}

static void
init_tables(void)
{
    hashmap_init(&rhyme_map, &rhyme_keys[0][0], RHYME_SLOTS,
                 sizeof rhyme_keys[0], 0);
    hashmap_init(&skel_map, &skel_keys[0][0], SKEL_SLOTS, sizeof skel_keys[0],
                 0);
    for (size_t i = 0; i < sizeof rhymes_plain / sizeof *rhymes_plain; i++)
        add_rhyme(rhymes_plain[i], RH_PLAIN);
    for (size_t i = 0; i < sizeof rhymes_glide_o / sizeof *rhymes_glide_o; i++)
        add_rhyme(rhymes_glide_o[i], RH_GLIDE_O);
    for (size_t i = 0; i < sizeof rhymes_glide_u / sizeof *rhymes_glide_u; i++)
        add_rhyme(rhymes_glide_u[i], RH_GLIDE_U);
    for (size_t i = 0; i < sizeof rhymes_q / sizeof *rhymes_q; i++)
        add_rhyme(rhymes_q[i], RH_Q);
    for (int i = 0; i < rhyme_count; i++)
        add_skeleton(i);
    build_cp_tables();
}

void
vi_init(void)
{
    pthread_once(&init_once, init_tables);
}

/* ---- letters ------------------------------------------------------------ */

char
vi_letter_mark(char letter, char mark)
{
    switch (mark) {
    case '^':
        return letter == 'a'   ? 'A'
               : letter == 'e' ? 'E'
               : letter == 'o' ? 'O'
                               : 0;
    case '(':
        return letter == 'a' ? 'W' : 0;
    case '+':
        return letter == 'o' ? 'P' : letter == 'u' ? 'U' : 0;
    default:
        return 0;
    }
}

enum vi_cp_kind
vi_letter_decode(uint32_t cp, char *letter, int *tone, int *upper)
{
    unsigned char code = 0;

    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z') {
            *letter = (char)cp;
            *tone = 0;
            *upper = 0;
            return VI_CP_LETTER;
        }
        if (cp >= 'A' && cp <= 'Z') {
            *letter = (char)(cp + 32);
            *tone = 0;
            *upper = 1;
            return VI_CP_LETTER;
        }
        return VI_CP_OTHER;
    }
    /* clang-format off */
    switch (cp) {
    case 0x300: case 0x340: *tone = VI_TONE_GRAVE; return VI_CP_TONE_MARK;
    case 0x301: case 0x341: *tone = VI_TONE_ACUTE; return VI_CP_TONE_MARK;
    case 0x309: *tone = VI_TONE_HOOK; return VI_CP_TONE_MARK;
    case 0x303: *tone = VI_TONE_TILDE; return VI_CP_TONE_MARK;
    case 0x323: *tone = VI_TONE_DOT; return VI_CP_TONE_MARK;
    case 0x302: *letter = '^'; return VI_CP_VOWEL_MARK;
    case 0x306: *letter = '('; return VI_CP_VOWEL_MARK;
    case 0x31B: *letter = '+'; return VI_CP_VOWEL_MARK;
    default: break;
    }
    /* clang-format on */
    if (cp >= R1_LO && cp <= R1_HI)
        code = cp_r1[cp - R1_LO];
    else if (cp >= R2_LO && cp <= R2_HI)
        code = cp_r2[cp - R2_LO];
    if (!code)
        return VI_CP_OTHER;
    *letter = forms[(code & 15) - 1];
    *tone = (code >> 4) & 7;
    *upper = code >> 7;
    return VI_CP_LETTER;
}

size_t
vi_utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- onsets and how they combine with rhymes ---------------------------- */

/* clang-format off */
enum onset {
    ON_NONE, ON_B, ON_C, ON_CH, ON_D, ON_DD, ON_G, ON_GH, ON_GI, ON_H, ON_K,
    ON_KH, ON_L, ON_M, ON_N, ON_NG, ON_NGH, ON_NH, ON_PH, ON_Q, ON_R, ON_S,
    ON_T, ON_TH, ON_TR, ON_V, ON_X, ON_BAD,
};

#define BIT(o) (1u << (o))
/* Onsets before which a glide (o or u) is spelt: labials never take one
 * (onset_takes() lets b have the loan "buýt", bus), and k, c, gh, ngh, gi
 * never do (q spells /kw/). */
static const unsigned glide_onsets =
    BIT(ON_NONE) | BIT(ON_CH) | BIT(ON_D) | BIT(ON_DD) | BIT(ON_H) |
    BIT(ON_KH) | BIT(ON_L) | BIT(ON_N) | BIT(ON_NG) | BIT(ON_NH) | BIT(ON_S) |
    BIT(ON_T) | BIT(ON_TH) | BIT(ON_TR) | BIT(ON_X);
/* Onsets after which an open i is spelt y in the traditional orthography
 * ("ý", "hy", "ký", "lý", "mỹ", "sỹ", "tỷ", "vỹ"). */
static const unsigned y_onsets =
    BIT(ON_NONE) | BIT(ON_H) | BIT(ON_K) | BIT(ON_L) | BIT(ON_M) | BIT(ON_S) |
    BIT(ON_T) | BIT(ON_V);
/* clang-format on */

/* Reads the onset at the start of s (internal or stripped letters);
 * returns its length and sets *on, or -1 if s starts with a letter no
 * Vietnamese onset has (f j p w z: "p" alone is only in loans like "pin",
 * and counting it would make many English words look Vietnamese). */
static int
parse_onset(const char *s, int n, enum onset *on)
{
    char a = n > 0 ? s[0] : 0, b = n > 1 ? s[1] : 0, c = n > 2 ? s[2] : 0;

    /* clang-format off */
    switch (a) {
    case 'b': *on = ON_B; return 1;
    case 'c':
        if (b == 'h') { *on = ON_CH; return 2; }
        *on = ON_C; return 1;
    case 'd': *on = ON_D; return 1;
    case 'D': *on = ON_DD; return 1;
    case 'g':
        if (b == 'h') { *on = ON_GH; return 2; }
        if (b == 'i') { *on = ON_GI; return 2; }
        *on = ON_G; return 1;
    case 'h': *on = ON_H; return 1;
    case 'k':
        if (b == 'h') { *on = ON_KH; return 2; }
        *on = ON_K; return 1;
    case 'l': *on = ON_L; return 1;
    case 'm': *on = ON_M; return 1;
    case 'n':
        if (b == 'g' && c == 'h') { *on = ON_NGH; return 3; }
        if (b == 'g') { *on = ON_NG; return 2; }
        if (b == 'h') { *on = ON_NH; return 2; }
        *on = ON_N; return 1;
    case 'p':
        if (b == 'h') { *on = ON_PH; return 2; }
        return -1;
    case 'q': *on = ON_Q; return 1;
    case 'r': *on = ON_R; return 1;
    case 's': *on = ON_S; return 1;
    case 't':
        if (b == 'h') { *on = ON_TH; return 2; }
        if (b == 'r') { *on = ON_TR; return 2; }
        *on = ON_T; return 1;
    case 'v': *on = ON_V; return 1;
    case 'x': *on = ON_X; return 1;
    case 'f': case 'j': case 'w': case 'z': case 0:
        return -1;
    default:
        *on = ON_NONE;
        return 0;
    }
    /* clang-format on */
}

/* Which of the rhyme's lists apply after onset `on`, or 0 if none does.
 * `absorbed` means the rhyme's leading i was merged into a preceding "gi"
 * ("gì" = gi + i, "giết" = gi + iêt). */
static unsigned
onset_takes(enum onset on, const struct rhyme *r, int absorbed)
{
    unsigned ok = 0;
    int ie = r->s[0] == 'i' && r->s[1] == 'E'; /* iê spelt with i */
    int ye = r->s[0] == 'y' && r->s[1] == 'E'; /* iê spelt with y */
    int y_open = r->s[0] == 'y' && r->s[1] == 0;

    if (on == ON_Q)
        return r->cls & RH_Q;
    if (r->cls & RH_PLAIN) {
        int take = 1;

        /* clang-format off */
        switch (on) {
        case ON_C: case ON_G: case ON_NG:
            take = !r->front;
            break;
        case ON_K: case ON_GH: case ON_NGH:
            take = r->front;
            break;
        case ON_GI:
            /* after gi a written i belongs to the onset: "gin" is gi + in
             * (absorbed), never gi + "n"; i, y, ê may not start the rest */
            take = absorbed ? r->s[0] == 'i'
                            : !(r->s[0] == 'i' || r->s[0] == 'y' ||
                                r->s[0] == 'E');
            break;
        default:
            break;
        }
        /* clang-format on */
        if (ye && on != ON_NONE)
            take = 0;
        if (ie && on == ON_NONE)
            take = 0;
        if (y_open && !(y_onsets & BIT(on)))
            take = 0;
        if (absorbed && on != ON_GI)
            take = 0;
        if (take)
            ok |= RH_PLAIN;
    }
    if (absorbed)
        return ok;
    if ((r->cls & RH_GLIDE_O) && ((glide_onsets & BIT(on)) || on == ON_G))
        ok |= RH_GLIDE_O;
    if ((r->cls & RH_GLIDE_U) &&
        ((glide_onsets & BIT(on)) || (on == ON_B && strcmp(r->s, "uyt") == 0)))
        ok |= RH_GLIDE_U;
    return ok;
}

/* Result of parsing a syllable's letters. */
struct parse {
    int onset_len; /* written letters before the rhyme */
    const struct rhyme *rhyme;
    unsigned cls; /* the list that matched (one RH_* bit) */
};

static unsigned
first_bit(unsigned m)
{
    return m & (~m + 1);
}

/* Parses internal letters s[0..n) as onset + rhyme. */
static int
parse_letters(const char *s, int n, struct parse *p)
{
    enum onset on;
    int ol = parse_onset(s, n, &on);
    const struct rhyme *r;
    unsigned m;

    if (ol < 0 || n - ol >= 8)
        return 0;
    if (on == ON_GI) {
        /* "gi" + rhyme, or g + a rhyme whose i is shared ("gì", "giếng") */
        r = find_rhyme(s + 2, n - 2);
        if (r && (m = onset_takes(on, r, 0))) {
            p->onset_len = 2, p->rhyme = r, p->cls = first_bit(m);
            return 1;
        }
        r = find_rhyme(s + 1, n - 1);
        if (r && (m = onset_takes(on, r, 1))) {
            p->onset_len = 1, p->rhyme = r, p->cls = first_bit(m);
            return 1;
        }
        return 0;
    }
    r = find_rhyme(s + ol, n - ol);
    if (!r || !(m = onset_takes(on, r, 0)))
        return 0;
    p->onset_len = ol, p->rhyme = r, p->cls = first_bit(m);
    return 1;
}

static int
tone_fits(const struct rhyme *r, int tone)
{
    return !r->stop || tone == VI_TONE_ACUTE || tone == VI_TONE_DOT;
}

int
vi_syllable_valid(const struct vi_word *w)
{
    struct parse p;

    vi_init();
    if (w->len <= 0 || w->len >= VI_SYL_MAX)
        return 0;
    /* 'D' is only an onset letter; the parser treats it like d */
    for (int i = 1; i < w->len; i++)
        if (w->letter[i] == 'D')
            return 0;
    if (!parse_letters(w->letter, w->len, &p))
        return 0;
    return tone_fits(p.rhyme, w->tone);
}

int
vi_plain_check(const char *s, int n, int *needs_mark)
{
    enum onset on;
    int ol, any = 0, bare = 0;

    vi_init();
    *needs_mark = 0;
    ol = parse_onset(s, n, &on);
    if (ol < 0 || n - ol >= 8 || (n - ol <= 0 && on != ON_GI))
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 1 only for gi: the rest may also be an i-rhyme ("gin") */
        const struct skeleton *k;
        int absorbed = pass == 1;
        int start = absorbed ? 1 : ol;

        if (absorbed && on != ON_GI)
            break;
        k = find_skeleton(s + start, n - start);
        if (!k)
            continue;
        for (int i = 0; i < k->n; i++) {
            const struct rhyme *r = &rhymes[k->alt[i]];

            if (!onset_takes(on, r, absorbed))
                continue;
            any = 1;
            if (!r->marked && !r->stop)
                bare = 1;
        }
    }
    if (any)
        *needs_mark = !bare;
    return any;
}

int
vi_word_has_diacritic(const struct vi_word *w)
{
    if (w->tone)
        return 1;
    for (int i = 0; i < w->len; i++)
        if (is_marked_letter(w->letter[i]) || w->letter[i] == 'D')
            return 1;
    return 0;
}

/* Index, within the rhyme, of the letter that carries the tone in the
 * traditional placement: a marked vowel if there is one (the last, so ươ
 * puts it on ơ); after a glide the nucleus, except in the open glide
 * rhymes oa oe uy where the traditional style writes it on the glide
 * ("hóa", "khỏe", "thủy"); otherwise the first vowel ("múa", "mía", "hai"). */
static int
rhyme_tone_index(const struct rhyme *r, unsigned cls)
{
    int n = (int)strlen(r->s), last_marked = -1;

    for (int i = 0; i < n; i++)
        if (is_marked_letter(r->s[i]))
            last_marked = i;
    if (last_marked >= 0)
        return last_marked;
    if (cls == RH_Q)
        return 1;
    if (cls == RH_GLIDE_O || cls == RH_GLIDE_U)
        return n == 2 ? 0 : 1;
    return 0;
}

size_t
vi_word_encode(const struct vi_word *w, char *out)
{
    struct parse p;
    size_t o = 0;
    int at = -1;

    vi_init();
    if (parse_letters(w->letter, w->len, &p))
        at = p.onset_len + rhyme_tone_index(p.rhyme, p.cls);
    for (int i = 0; i < w->len; i++) {
        int f = form_index(w->letter[i]);
        int up = w->upper[i] ? 1 : 0;

        if (f < 0) {
            char c = w->letter[i];

            out[o++] = up && c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
            continue;
        }
        o += vi_utf8_put(cp_enc[f][i == at ? w->tone : 0][up], out + o);
    }
    return o;
}
