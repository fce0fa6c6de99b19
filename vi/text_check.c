/* The diacritics checker: splits text into words, asks vi/syllable.c
 * and vi/telex.c what each word can be, and weighs the words of the
 * whole text.  See text_check.h for the rule.
 *
 * Words are judged one by one, the text as a whole: a word like "ban" is
 * English and stripped Vietnamese at once, so only the balance of the
 * unambiguous words decides.  The word lists below are knowledge of the
 * two languages written by hand (common English words; the Vietnamese
 * syllables that are also English words; interjections), not drawn from
 * any corpus.
 *
 * One pass: words are classified and counted as they come, and from the
 * first word that may be raw keystrokes on, the restored text is written
 * into one buffer sized at 3 bytes per input byte (a restored letter is at
 * most 3 bytes of UTF-8 and consumes at least one input byte).  The buffer
 * becomes the suggestion if the text is refused as raw input, and is freed
 * otherwise: one allocation per call at most, none per character.
 *
 * Must not log, and must not keep any state between calls besides the
 * read-only tables built once. */
#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "util/hashmap.h"
#include "vi/text_check.h"
#include "vi/syllable.h"
#include "vi/telex.h"

#ifdef TEXT_CHECK_DEBUG
#include <stdio.h>
#endif

/* ---- word lists --------------------------------------------------------- */

/* Common English words, chiefly the short ones that happen to spell a
 * Vietnamese syllable ("can", "then") or decode as Telex ("has" → "há",
 * "max" → "mã", "most" → "mót").  Longer English words need no listing:
 * they are no Vietnamese syllable at all.  A word ending in s whose stem is
 * listed counts as listed (plurals, third persons). */
static const char english_words[] =
    "i am an as at be by do go he if in is it me my no of oh on or so to up us "
    "we all and any are bad bag ban bar bat bed bee been beer beet bet big bin "
    "bit boo boom boot born bot box boy bun bus but buy bye cab can cap car "
    "cat char chat chef chin chip chop chose coo cool coop corn cost cot cow "
    "cue cup cur cut dam day deep deer den dig dim din dip doe doc dog doom "
    "door dot down due ear eat end era etc even ever ex eye far few fix for "
    "fox fun gas gap gin gist goat gone got gum gun gut had ham has hat have "
    "he her hero hers hex hey hi him hip his hit hoe hog hook hoop hoot horn "
    "host hot how hue hug hum hut its job key kin kit lab lap law lax lay lee "
    "leer let lex lid lip list lit lo log long loo loom loop loot lost lot low "
    "mac man map mat max may meet men mesh met mix mob mom moo moon moot mop "
    "most mow much mud mum must nap neat net new nor noon nose not now nut oat "
    "odd off oil old one our out own pay per pop pot put ran rap rat raw ray "
    "red rex rib rim rip rob rod rot row rub run rut sad sat saw say sax sea "
    "see seem seen seer set sex she shy sin sip sir sit six sky son soon soot "
    "sort sow spa sue sum sun tab tan tap tar tax tea tee teem teen ten than "
    "that the them then these they thin this those thus tie tin tip toe ton "
    "too took top tot tow toy try tub tux two use van vast vat vet via vim vow "
    "war was way web wet who why win wit won yes yet you "
    "able about above add after again ago air also always am among another "
    "area back base bang bar best bit body book both bring burn call came case "
    "cast change charm check city close code come could data date dear did "
    "does done door dust each else end every face fact far fast file find "
    "first five form four free from full game gave get give good great group "
    "hair half hand hang hard harm head hear help here high hold home hope "
    "hose hour hung idea into item just keep kind king know land last late "
    "left less life like line lose love made main make many mass mean mind "
    "miss mode more move name near need never next nice none norm note once "
    "only open over page part pass past plan play post rain rang read real "
    "rest rich ring rise road rock room rose rule rust safe said same save "
    "seat seem send ship shop show side sing size some song sung sort stay "
    "step still stop such sure take talk team tell term test text than thing "
    "think time told tone torn town tree trim trip turn type under unit upon "
    "user very vest view wait walk want warn well went were what when with "
    "word work year your "
    "gong ding tech nest mist list mast cast lost host cost dust rust bust "
    "gust must trust lust visa lisa hose nose lose rose those chose case base "
    "vase cure pure sure mono demo hobo tram trap tron "
    /* and common words of other languages written in Latin letters: Dutch,
     * German */
    "een mee eens er ";

/* Common Vietnamese syllables, written without marks, that are also English
 * words: in text with no marks they are evidence for neither language. */
static const char shared_words[] =
    "a an at am ban bang bat be but cam can cap cat chat chin chop con cot cum "
    "cup dam dan den dip do dong dot gap go hang hat he hen hop ho hot hung in "
    "it lap long lot man map mat me men met nap net no non not nut on ran rang "
    "rat run sang sap sat set so son song sung tan tang tap tat ten than the "
    "them tin to ton top tot tong van vat vet yen yet hon bin tram trim trap "
    "bong hong lung rung gang non mit dem ";

/* English words, and loan words common in Vietnamese writing, that spell
 * Telex keys for a Vietnamese syllable nobody means by them: a bare vowel
 * with a tone ("is" í, "of" ò), a rare or non-existent syllable ("ref" rè,
 * "his" hí, "turn" tủn, "town" tơn).  In a suggestion they stay as typed
 * whatever their neighbours ("Title is: Tôi đi học", "xem ref này").  An
 * English word whose reading is a common syllable is not listed here: "max"
 * mã, "car" cả, "teen" tên, "sex" sẽ, "this" thí, "as" á (châu Á) are
 * restored when a neighbour is Vietnamese. */
static const char kept_words[] =
    "is us if of or his her has was war does those chose nose hose lose ex hex "
    "nor ref bus box gas test best most must dust turn term born burn horn "
    "corn torn norm harm charm see seen seem soon room boom how now row won "
    "town down door tux wrong ";

/* Interjections, and codes often written in lower case, that belong to no
 * language: they count as no word at all. */
static const char neutral_words[] =
    "ok okay oke oki okie lol lmao haha hihi hehe huhu hic kk kkk wow omg xd "
    "ha hah hm hmm uh um umm ah aha yay yep nope thx tks ty pls plz co2 so2 "
    "no2 vs "
    /* chat shorthand for Vietnamese words ("ko" không, "dc" được, "ntn" như
     * thế nào, "mk" mình, "mn" mọi người, "cx" cũng), and units */
    "ko kg khg dc dk ntn mk mik mn mng bn ng ngta trc cx nx ae ace ck vk bt "
    "sdt dt fb ib cmt hn sg tp tphcm hcm vn km cm mm ml mg kw kwh mb gb ghz ";

/* English grammar words that are no Vietnamese syllable: two of them mark
 * a sentence as English even when its other words are Vietnamese dishes
 * and names ("We had banh mi and ca phe"); Vietnamese text borrows English
 * nouns, not these. */
static const char function_words[] =
    "and of is are was were we you they she his her its our your their this "
    "that these those with for from near have has had does did will would "
    "could should about into been what when where which who ";

/* Vietnamese dishes and places that English text writes without marks,
 * as pairs of words: such a pair counts as common to both languages, like
 * the words of shared_words ("We had banh mi and ca phe sua da").  Only
 * pairs, since each word alone is common Vietnamese. */
static const char loan_pairs[] =
    "banh mi|banh xeo|banh bao|banh cuon|banh chung|banh canh|bun cha|bun bo|"
    "bun rieu|bun thit|thit nuong|com tam|goi cuon|cha gio|cha ca|nem ran|"
    "ca phe|sua da|ao dai|bo kho|hu tieu|mi quang|cao lau|pho bo|pho ga|"
    "ha noi|hoi an|da nang|sai gon|viet nam|nha trang|can tho|ha long|"
    "phu quoc|da lat|sa pa|ha giang|ben thanh|vung tau|quy nhon|"
    "mui ne|ninh binh|";

enum {
    W_EN = 1,
    W_SHARED = 2,
    W_NEUTRAL = 4,
    W_KEEP = 8, /* kept as typed in a suggestion */
    W_FUNCTION = 16,
    W_PAIR = 32,      /* a pair of loan_pairs[] */
    W_PAIR_HEAD = 64, /* the first word of one */
};

#define WORD_SLOTS 4096
#define WORD_KEY 16

/* The words of the lists above and their W_* flags, by slot. */
static struct hashmap word_map;
static char word_keys[WORD_SLOTS][WORD_KEY];
static unsigned char word_flag[WORD_SLOTS];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void
add_words(const char *list, unsigned flag)
{
    const char *p = list;
    int sep = flag == W_PAIR ? '|' : ' ';

    while (*p) {
        const char *e = strchr(p, sep);
        int n = e ? (int)(e - p) : (int)strlen(p);
        bool added;
        int slot = hashmap_add(&word_map, p, (size_t)n, &added);

        assert(slot >= 0); /* the lists fit */
        if (slot >= 0)
            word_flag[slot] |= (unsigned char)flag;
        p += n;
        while (*p == sep)
            p++;
    }
}

static void
init_lists(void)
{
    hashmap_init(&word_map, &word_keys[0][0], WORD_SLOTS, WORD_KEY, 0);
    add_words(english_words, W_EN);
    add_words(shared_words, W_SHARED | W_EN);
    add_words(neutral_words, W_NEUTRAL);
    add_words(kept_words, W_KEEP | W_EN);
    add_words(function_words, W_FUNCTION | W_EN);
    add_words(loan_pairs, W_PAIR);
    for (const char *p = loan_pairs; *p; p = strchr(p, '|') + 1) {
        bool added;
        int slot = hashmap_add(&word_map, p, strcspn(p, " "), &added);

        assert(slot >= 0);
        if (slot >= 0)
            word_flag[slot] |= W_PAIR_HEAD;
    }
}

static unsigned
word_flags(const char *s, int n)
{
    int slot = n > 0 ? hashmap_find(&word_map, s, (size_t)n) : -1;

    return slot >= 0 ? word_flag[slot] : 0;
}

/* ---- code points -------------------------------------------------------- */

/* Decodes the code point at s[*i] and advances *i.  The caller guarantees
 * valid UTF-8; a malformed byte still advances by one and yields U+FFFD so
 * that nothing here can read past the end. */
static uint32_t
next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    uint32_t cp;
    int extra;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xF0 && c < 0xF8)
        extra = 3, cp = c & 0x07;
    else if (c >= 0xE0)
        extra = 2, cp = c & 0x0F;
    else if (c >= 0xC0)
        extra = 1, cp = c & 0x1F;
    else {
        (*i)++;
        return 0xFFFD;
    }
    if (*i + (size_t)extra >= len) {
        (*i)++;
        return 0xFFFD;
    }
    for (int k = 1; k <= extra; k++) {
        unsigned char d = s[*i + (size_t)k];

        if ((d & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = (cp << 6) | (d & 0x3F);
    }
    *i += (size_t)extra + 1;
    return cp;
}

enum cp_class { CP_SPACE, CP_SEP, CP_WORD };

static enum cp_class
classify_cp(uint32_t cp)
{
    char letter;
    int tone, upper;
    utf8proc_category_t cat;

    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
            (cp >= '0' && cp <= '9'))
            return CP_WORD;
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' ||
            cp == '\f')
            return CP_SPACE;
        return CP_SEP;
    }
    if (vi_letter_decode(cp, &letter, &tone, &upper) != VI_CP_OTHER)
        return CP_WORD;
    /* emoji presentation selectors and keycaps are marks that belong to
     * symbols, not to words */
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF) ||
        (cp >= 0x20D0 && cp <= 0x20FF))
        return CP_SEP;
    cat = utf8proc_category((utf8proc_int32_t)cp);
    switch (cat) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND:
        return CP_WORD;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return CP_SPACE;
    default:
        return CP_SEP;
    }
}

/* ---- words -------------------------------------------------------------- */

struct token {
    size_t start, end;
    int letters, digits, foreign, diacritic, bad_mark, tones;
    int apostrophe, dotted;
    int upper, lower, inner_upper;
    char ascii[VI_RAW_MAX + 1]; /* letters and digits as typed, if all ASCII */
    int ascii_len, ascii_over;
    struct vi_word w; /* letters in the internal alphabet */
    int w_over;
};

enum word_kind {
    WK_NEUTRAL,  /* numbers, codes, acronyms, brands, interjections */
    WK_ACCENTED, /* a Vietnamese syllable with its diacritics */
    WK_FOREIGN,  /* letters or accents Vietnamese does not use */
    WK_OTHER,    /* ASCII, no Vietnamese reading: English and the like */
    WK_PLAIN,    /* a Vietnamese syllable with every mark stripped */
    WK_TELEX,    /* raw Telex keystrokes */
    WK_VNI,      /* raw VNI keystrokes */
};

struct word_class {
    enum word_kind kind;
    int english;    /* also an English word */
    int keep;       /* ...that a suggestion keeps as typed */
    int shared;     /* ...and a common Vietnamese syllable */
    int needs_mark; /* plain: no Vietnamese syllable is spelt like this bare */
    int strong;     /* raw: unambiguous keystrokes */
    int function;   /* an English grammar word */
    int pair_head;  /* the first word of a pair of loan_pairs[] */
    struct vi_word restored;
    size_t sub_off, sub_len; /* bytes of the token that are the word, if
                              * not all of it (sub_len 0: all) */
};

static void
token_reset(struct token *t, size_t start)
{
    memset(t, 0, sizeof *t);
    t->start = start;
}

static int
is_marked_letter(char c)
{
    switch (c) {
    case 'A':
    case 'W':
    case 'E':
    case 'O':
    case 'P':
    case 'U':
    case 'D':
        return 1;
    default:
        return 0;
    }
}

static void
token_add(struct token *t, uint32_t cp)
{
    char letter = 0;
    int tone = 0, upper = 0;

    if (cp >= '0' && cp <= '9') {
        t->digits++;
        if (t->ascii_len < VI_RAW_MAX)
            t->ascii[t->ascii_len++] = (char)cp;
        else
            t->ascii_over = 1;
        return;
    }
    switch (vi_letter_decode(cp, &letter, &tone, &upper)) {
    case VI_CP_LETTER:
        t->letters++;
        if (upper) {
            if (t->letters > 1)
                t->inner_upper = 1;
            t->upper++;
        } else {
            t->lower++;
        }
        if (cp < 0x80) {
            if (t->ascii_len < VI_RAW_MAX)
                t->ascii[t->ascii_len++] = (char)cp;
            else
                t->ascii_over = 1;
        } else {
            t->ascii_over = 1;
        }
        if (tone) {
            t->tones++;
            t->w.tone = tone;
        }
        if (tone || is_marked_letter(letter))
            t->diacritic = 1;
        if (t->w.len < VI_SYL_MAX - 1) {
            t->w.letter[t->w.len] = letter;
            t->w.upper[t->w.len] = (unsigned char)upper;
            t->w.len++;
        } else {
            t->w_over = 1;
        }
        break;
    case VI_CP_TONE_MARK:
        t->ascii_over = 1;
        t->diacritic = 1;
        if (t->w.len == 0 || !vi_letter_is_vowel(t->w.letter[t->w.len - 1]))
            t->bad_mark = 1;
        t->tones++;
        t->w.tone = tone;
        break;
    case VI_CP_VOWEL_MARK:
        t->ascii_over = 1;
        t->diacritic = 1;
        if (t->w.len == 0) {
            t->bad_mark = 1;
        } else {
            char m = vi_letter_mark(t->w.letter[t->w.len - 1], letter);

            if (m)
                t->w.letter[t->w.len - 1] = m;
            else
                t->bad_mark = 1;
        }
        break;
    default:
        t->foreign = 1;
        t->ascii_over = 1;
        break;
    }
}

/* Whether typed keys are unambiguous raw input even in a one-word reply:
 * keys English spelling never produces (dd, w as a mark, j, f or x as
 * tone, a tone key followed by more vowels, a doubled vowel with a tone).
 * An s or r tone at the end or before a consonant alone is not enough:
 * "cats", "most", "horn" spell Telex too. */
static int
telex_strong(unsigned f, char tone_key)
{
    if (f & (VI_RAW_DD | VI_RAW_W))
        return 1;
    if (tone_key == 'j' || tone_key == 'f' || tone_key == 'x')
        return 1;
    if ((f & VI_RAW_DOUBLE) && (f & VI_RAW_TONE))
        return 1;
    if (f & VI_RAW_TONE_VOWEL)
        return 1;
    return 0;
}

/* Whether the only capitals of a mixed-case word are a leading "DD", the
 * Telex keys of a capital Đ typed with Shift held ("DDaay": Đây), which
 * is no brand's inner capital. */
static int
telex_dd_capital(const struct token *t)
{
    return t->upper == 2 && t->ascii_len >= 3 && t->ascii[0] == 'D' &&
           t->ascii[1] == 'D';
}

static void
classify(const struct token *t, int text_upper, struct word_class *c)
{
    char lw[VI_RAW_MAX + 1];
    int n = t->ascii_len;
    unsigned fl, feat;
    char tone_key;

    memset(c, 0, sizeof *c);
    c->kind = WK_NEUTRAL;
    if (t->letters == 0)
        return; /* numbers, stray marks */
    if (t->foreign) {
        c->kind = WK_FOREIGN;
        return;
    }
    if (t->apostrophe) {
        c->kind = WK_OTHER; /* "don't", "it's" */
        return;
    }
    if (t->dotted)
        return; /* "node.js", "e.g", "v1.2" */
    if (t->diacritic) {
        c->kind = !t->bad_mark && t->tones <= 1 && !t->digits && !t->w_over &&
                          vi_syllable_valid(&t->w)
                      ? WK_ACCENTED
                      : WK_FOREIGN;
        return;
    }
    if (t->ascii_over) {
        c->kind = WK_OTHER; /* too long for a syllable and its keys */
        return;
    }
    /* "iPhone", "YouTube": brands; "HTML", "CPU": acronyms, unless the
     * whole text is in capitals */
    if (t->inner_upper && t->lower > 0 && !telex_dd_capital(t))
        return;
    if (t->upper >= 2 && t->lower == 0 && !text_upper)
        return;
    for (int i = 0; i < n; i++)
        lw[i] =
            (char)(t->ascii[i] >= 'A' && t->ascii[i] <= 'Z' ? t->ascii[i] + 32
                                                            : t->ascii[i]);
    lw[n] = 0;
    fl = word_flags(lw, n);
    if (fl & W_NEUTRAL)
        return;
    /* a lone letter that is no syllable is an emoticon's (":D", ":v") or
     * an initial */
    if (n == 1 && !vi_plain_check(lw, n, &c->needs_mark))
        return;
    if (t->digits) {
        int a = 0, b = n;

        if (vi_vni_decode(t->ascii, n, &c->restored, &feat)) {
            c->kind = WK_VNI;
            c->strong = t->letters >= 2;
            return;
        }
        /* a word glued to numbers ("1hieenj", a placeholder's remains) is
         * read without them; anything else is a code: "mp3", "x86" */
        while (a < n && lw[a] >= '0' && lw[a] <= '9')
            a++;
        if (a > 0 && a < n &&
            vi_vni_decode(t->ascii + a, n - a, &c->restored, &feat)) {
            c->kind = WK_VNI; /* VNI keys never come first */
            c->strong = t->letters >= 2;
            c->sub_off = (size_t)a;
            c->sub_len = (size_t)(n - a);
            return;
        }
        while (b > a && lw[b - 1] >= '0' && lw[b - 1] <= '9')
            b--;
        for (int i = a; i < b; i++)
            if (lw[i] >= '0' && lw[i] <= '9')
                return;
        if (b - a >= 2) {
            struct token inner = *t;

            memcpy(inner.ascii, t->ascii + a, (size_t)(b - a));
            inner.ascii_len = b - a;
            inner.digits = 0;
            classify(&inner, text_upper, c);
            c->sub_off = (size_t)a;
            c->sub_len = (size_t)(b - a);
        }
        return;
    }
    if (!(fl & W_EN) && n > 2 && lw[n - 1] == 's' &&
        (word_flags(lw, n - 1) & W_EN))
        fl |= W_EN; /* "cats", "sits" */
    c->english = (fl & W_EN) != 0;
    c->keep = (fl & W_KEEP) != 0;
    c->shared = (fl & W_SHARED) != 0;
    c->function = (fl & W_FUNCTION) != 0;
    c->pair_head = (fl & W_PAIR_HEAD) != 0;
    if (vi_plain_check(lw, n, &c->needs_mark)) {
        c->kind = WK_PLAIN;
        return;
    }
    if (vi_telex_decode(t->ascii, n, &c->restored, &feat, &tone_key)) {
        c->kind = WK_TELEX;
        c->strong = !c->english && telex_strong(feat, tone_key);
        return;
    }
    c->kind = WK_OTHER;
}

/* ---- the text ----------------------------------------------------------- */

struct tally {
    int accented;     /* Vietnamese syllables with diacritics */
    int foreign;      /* words in other scripts or with other accents */
    int other;        /* ASCII words with no Vietnamese reading */
    int plain;        /* stripped Vietnamese syllables, not English */
    int plain_need;   /* ...of which need marks */
    int plain_en;     /* stripped syllables that are English words */
    int plain_shared; /* ...and common Vietnamese syllables */
    int raw;          /* Telex/VNI words, not English */
    int raw_strong;
    int raw_en; /* Telex-decodable English words */
    /* twice the Vietnamese and the English weight of the words written in
     * lower case, which are no names */
    int lower_vi2, lower_en2;
    /* stripped syllables written as names, Capitalised inside a sentence
     * ("met Kim Jong Un in Ha Noi"): counted apart, as above, so that
     * judge_body() can leave them out where the text has lower-case words */
    int name, name_need, name_en, name_shared;
    int function;      /* English grammar words */
    int uncapitalised; /* words with letters not written as names */
};

/* How a word stands in its text, besides what it is. */
struct word_place {
    int lower;   /* written in lower case */
    int opening; /* capitalised at the start of a sentence */
    int name;    /* capitalised inside a sentence */
};

/* Longest run of words that wait for their right-hand neighbour. */
#define PEND_MAX 4

struct pending {
    struct token tok;
    struct word_class c;
};

struct walk {
    const char *text;
    size_t len;
    int text_upper;
    struct tally t;
    /* the suggestion, written as we go from the first word that may be raw
     * input on; thrown away unless the text is refused as raw input */
    char *out;
    size_t out_len;
    size_t copied; /* input bytes up to here are already out */
    int oom;
    /* English words that are also raw input ("max": mã), one or a run of
     * them ("Buns char": bún chả), wait for the first word after them that
     * is not one: see restore_pending() */
    int prev_vi, prev_other; /* the word before: Vietnamese; clearly not */
    size_t prev_end;         /* where it ended */
    int words;               /* words seen so far */
    int npend;
    int pend_left_vi, pend_left_other, pend_left_break, pend_brand;
    struct pending pend[PEND_MAX];
    /* the word before, while it is a Vietnamese word that may begin a
     * pair of loan_pairs[] */
    int prev_plain_vi;
    struct word_class prev_c;
    struct word_place prev_w;
    char prev_lw[8];
    size_t prev_end_tally;
};

static void
emit_restored(struct walk *wk, const struct token *t,
              const struct word_class *c)
{
    size_t start = t->start + c->sub_off;
    size_t end = c->sub_len ? start + c->sub_len : t->end;

    memcpy(wk->out + wk->out_len, wk->text + wk->copied, start - wk->copied);
    wk->out_len += start - wk->copied;
    wk->out_len += vi_word_encode(&c->restored, wk->out + wk->out_len);
    wk->copied = end;
}

/* Whether a word counts as Vietnamese next to an ambiguous raw word. */
static int
is_vi_word(const struct word_class *c)
{
    int raw = c->kind == WK_TELEX || c->kind == WK_VNI;

    return c->kind == WK_ACCENTED ||
           ((c->kind == WK_PLAIN || raw) && !c->english);
}

/* Whether a word is clearly no Vietnamese: another language, or an English
 * word that is no common Vietnamese syllable. */
static int
is_other_word(const struct word_class *c)
{
    int raw = c->kind == WK_TELEX || c->kind == WK_VNI;

    return c->kind == WK_OTHER || c->kind == WK_FOREIGN || (raw && c->keep) ||
           (c->kind == WK_PLAIN && c->english && !c->shared);
}

/* Whether text[from..to), the gap between two words, ends a clause. */
static int
clause_break(const char *text, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (text[i] != '\0' && strchr(",;:.!?\n", text[i]))
            return 1;
    return 0;
}

/* Whether the waiting English words that are also raw input are restored,
 * given the run's right-hand neighbour (none at the end of the text): when
 * a neighbour is Vietnamese, unless that neighbour is beyond a clause break
 * and an English word stands next to it within its clause ("If you see
 * this, xin gọi lại" keeps "this"), and never when the run is a name
 * after a word of another language. */
static int
restore_pending(const struct walk *wk, int right_vi, int right_other,
                int right_break)
{
    int vi_near = (wk->pend_left_vi && !wk->pend_left_break) ||
                  (right_vi && !right_break);
    int vi_far =
        (wk->pend_left_vi && wk->pend_left_break) || (right_vi && right_break);
    int other_near = (wk->pend_left_other && !wk->pend_left_break) ||
                     (right_other && !right_break);

    return !wk->pend_brand && (vi_near || (vi_far && !other_near));
}

/* Settles the waiting run given its right-hand neighbour; returns whether
 * it was restored. */
static int
settle_pending(struct walk *wk, int right_vi, int right_other, int right_break)
{
    int restore = restore_pending(wk, right_vi, right_other, right_break);

    if (restore)
        for (int i = 0; i < wk->npend; i++)
            emit_restored(wk, &wk->pend[i].tok, &wk->pend[i].c);
    wk->npend = 0;
    return restore;
}

/* name: the word is capitalised inside a sentence. */
static void
build_suggestion(struct walk *wk, const struct token *t,
                 const struct word_class *c, int name)
{
    /* a kept word is English here, and copied as typed like any other */
    int raw = (c->kind == WK_TELEX || c->kind == WK_VNI) && !c->keep;
    int vi = is_vi_word(c), other = is_other_word(c);
    int brk;

    /* numbers, codes and interjections belong to no language: the words
     * around them are each other's neighbours ("Buns char 35k mootj") */
    if (c->kind == WK_NEUTRAL)
        return;
    brk = clause_break(wk->text, wk->prev_end, t->start);
    if (raw && !wk->out && !wk->oom) {
        /* a restored letter is at most 3 bytes and takes at least one
         * input byte */
        wk->out = malloc(3 * wk->len + 1);
        wk->oom = wk->out == NULL;
    }
    if (wk->out) {
        int left_vi = wk->prev_vi, left_other = wk->prev_other;

        if (wk->npend > 0 && raw && c->english && !brk &&
            wk->npend < PEND_MAX) {
            /* the run goes on: its neighbours decide for all of it */
            wk->pend[wk->npend].tok = *t;
            wk->pend[wk->npend].c = *c;
            wk->npend++;
            goto out;
        }
        if (wk->npend > 0) {
            /* a restored word is Vietnamese context for the next one:
             * "moo tar" after Vietnamese is "mô tả" */
            left_vi = settle_pending(wk, vi, other, brk);
            left_other = !left_vi;
        }
        if (raw && !c->english) {
            emit_restored(wk, t, c);
        } else if (raw) {
            wk->pend[0].tok = *t;
            wk->pend[0].c = *c;
            wk->npend = 1;
            wk->pend_left_vi = left_vi;
            wk->pend_left_other = left_other;
            wk->pend_left_break = brk;
            /* a name right after a word of another language is part of a
             * brand or title: "iPhone 15 Pro Max", "Mad Max" */
            wk->pend_brand = name && left_other && !brk;
        }
    }
out:
    wk->prev_vi = vi;
    wk->prev_other = other;
    wk->prev_end = t->end;
}

/* Whether text[from..to), the gap before a word, begins a sentence, a
 * quotation or a parenthesis, where any word may be capitalised. */
static int
sentence_break(const char *text, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (text[i] != '\0' && (strchr(".!?:;([{\"-\n", text[i]) ||
                                (unsigned char)text[i] >= 0x80))
            return 1;
    return 0;
}

/* Adds a word to the tally (sign 1), or takes it back out (sign -1). */
static inline void
tally_word(struct tally *ty, const struct word_class *c,
           const struct word_place *w, int sign)
{
    /* a sentence opening with a word of another language is written in it
     * ("Try the com tam at ...", "Dinner: banh xeo") */
    if ((c->kind == WK_OTHER || c->kind == WK_FOREIGN) &&
        (w->lower || w->opening)) {
        ty->lower_en2 += 2 * sign;
    } else if (w->lower) {
        int raw = c->kind == WK_TELEX || c->kind == WK_VNI;

        if (c->kind == WK_PLAIN || raw) {
            if (!c->english)
                ty->lower_vi2 += 2 * sign;
            else if (c->shared)
                ty->lower_vi2 += sign, ty->lower_en2 += sign;
            else
                ty->lower_en2 += 2 * sign;
        }
    }
    ty->function += sign * (c->function);
    switch (c->kind) {
    case WK_NEUTRAL:
        break;
    case WK_ACCENTED:
        ty->accented += sign;
        break;
    case WK_FOREIGN:
        ty->foreign += sign;
        break;
    case WK_OTHER:
        ty->other += sign;
        break;
    case WK_PLAIN:
        if (w->name) {
            ty->name += sign;
            ty->name_need += sign * (!c->english && c->needs_mark);
            ty->name_en += sign * (c->english);
            ty->name_shared += sign * (c->shared);
        }
        if (c->english) {
            ty->plain_en += sign;
            ty->plain_shared += sign * (c->shared);
        } else {
            ty->plain += sign;
            ty->plain_need += sign * (c->needs_mark);
        }
        break;
    case WK_TELEX:
    case WK_VNI:
        if (c->english) {
            ty->raw_en += sign;
        } else {
            ty->raw += sign;
            ty->raw_strong += sign * (c->strong);
        }
        break;
    }
}

/* Whether the word before (prev, in lower case) and t make a pair of
 * loan_pairs[]. */
static int
is_loan_pair(const char *prev, const struct token *t)
{
    char key[WORD_KEY];
    int n = (int)strlen(prev);

    if (n + 1 + t->ascii_len >= WORD_KEY)
        return 0;
    memcpy(key, prev, (size_t)n);
    key[n++] = ' ';
    for (int i = 0; i < t->ascii_len; i++)
        key[n++] = (char)(t->ascii[i] | 32);
    return (word_flags(key, n) & W_PAIR) != 0;
}

/* Whether text[from..to), the gap before a word, ends a sentence. */
static int
sentence_end(const char *text, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (text[i] != '\0' && strchr(".!?:\n", text[i]))
            return 1;
    return 0;
}

/* Whether a word is written as a name: a capital, then lower case. */
static int
is_capitalised(const struct token *t)
{
    return t->upper == 1 && t->lower > 0 && t->w.len > 0 && t->w.upper[0];
}

static void
take_token(struct walk *wk, const struct token *t)
{
    struct word_class c;
    struct tally *ty = &wk->t;
    int name = is_capitalised(t) && wk->words > 0 &&
               !sentence_break(wk->text, wk->prev_end, t->start);
    struct word_place w;
    int first =
        is_capitalised(t) &&
        (wk->words == 0 || sentence_end(wk->text, wk->prev_end, t->start));

    wk->words++;
    classify(t, wk->text_upper, &c);
    build_suggestion(wk, t, &c, name);
#ifdef TEXT_CHECK_DEBUG
    fprintf(stderr,
            "  [%.*s] kind=%d en=%d sh=%d need=%d strong=%d fn=%d name=%d\n",
            (int)(t->end - t->start), wk->text + t->start, c.kind, c.english,
            c.shared, c.needs_mark, c.strong, c.function, name);
#endif
    w.lower = t->upper == 0 && t->letters > 0;
    w.opening = first;
    w.name = name;
    if (c.kind == WK_PLAIN && !c.english && wk->prev_plain_vi &&
        !clause_break(wk->text, wk->prev_end_tally, t->start) &&
        t->digits == 0 && is_loan_pair(wk->prev_lw, t)) {
        /* both words now count as common to the two languages */
        tally_word(ty, &wk->prev_c, &wk->prev_w, -1);
        wk->prev_c.english = wk->prev_c.shared = 1;
        tally_word(ty, &wk->prev_c, &wk->prev_w, 1);
        c.english = c.shared = 1;
    }
    tally_word(ty, &c, &w, 1);
    ty->uncapitalised += c.kind != WK_NEUTRAL && !is_capitalised(t);
    wk->prev_plain_vi =
        c.kind == WK_PLAIN && !c.english && c.pair_head && t->ascii_len < 8;
    if (wk->prev_plain_vi) {
        wk->prev_c = c;
        wk->prev_w = w;
        for (int i = 0; i < t->ascii_len; i++)
            wk->prev_lw[i] = (char)(t->ascii[i] | 32);
        wk->prev_lw[t->ascii_len] = 0;
    }
    wk->prev_end_tally = t->end;
}

static int
is_joiner(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == '.' || cp == '_';
}

/* A whitespace-delimited chunk that is a URL, an e-mail address, a
 * @handle or a #hashtag is left alone entirely. */
static int
chunk_is_reference(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && (s[i] == '(' || s[i] == '[' || s[i] == '{' || s[i] == '<' ||
                     s[i] == '"' || s[i] == '\''))
        i++;
    if (i < n && (s[i] == '#' || s[i] == '@'))
        return 1;
    if (n - i >= 4 && (s[i] | 32) == 'w' && (s[i + 1] | 32) == 'w' &&
        (s[i + 2] | 32) == 'w' && s[i + 3] == '.')
        return 1;
    for (size_t k = i; k < n; k++) {
        if (s[k] == '@' && k > i)
            return 1;
        if (s[k] == ':' && k + 2 < n && s[k + 1] == '/' && s[k + 2] == '/')
            return 1;
    }
    return 0;
}

static int
is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static int
is_ascii_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* ASCII letters and digits, the bulk of most text, without the general
 * code point path. */
static void
token_add_ascii(struct token *t, unsigned char c)
{
    if (c <= '9') {
        t->digits++;
    } else {
        int up = c <= 'Z';

        t->letters++;
        if (up) {
            t->inner_upper |= t->letters > 1;
            t->upper++;
        } else {
            t->lower++;
        }
        if (t->w.len < VI_SYL_MAX - 1) {
            t->w.letter[t->w.len] = (char)(up ? c + 32 : c);
            t->w.upper[t->w.len] = (unsigned char)up;
            t->w.len++;
        } else {
            t->w_over = 1;
        }
    }
    if (t->ascii_len < VI_RAW_MAX)
        t->ascii[t->ascii_len++] = (char)c;
    else
        t->ascii_over = 1;
}

/* One chunk of text between ASCII white space: a reference (URL, e-mail,
 * handle, hashtag) left alone, or words split at anything that is not a
 * letter, mark or digit (Unicode spaces included). */
static void
walk_chunk(struct walk *wk, size_t cs, size_t ce)
{
    const unsigned char *s = (const unsigned char *)wk->text;
    struct token t;
    int in_word = 0;
    size_t i = cs;

    if (chunk_is_reference(wk->text + cs, ce - cs))
        return;
    while (i < ce) {
        size_t at = i;
        uint32_t cp;
        enum cp_class k;

        if (s[i] < 0x80) {
            cp = s[i++];
            k = is_ascii_word((unsigned char)cp) ? CP_WORD : CP_SEP;
            if (k == CP_WORD) {
                if (!in_word) {
                    token_reset(&t, at);
                    in_word = 1;
                }
                token_add_ascii(&t, (unsigned char)cp);
                t.end = i;
                continue;
            }
        } else {
            cp = next_cp(s, ce, &i);
            k = classify_cp(cp);
        }
        if (k == CP_WORD) {
            if (!in_word) {
                token_reset(&t, at);
                in_word = 1;
            }
            token_add(&t, cp);
            t.end = i;
            continue;
        }
        if (in_word && is_joiner(cp) && i < ce) {
            size_t j = i;
            uint32_t nx = next_cp(s, ce, &j);

            if (classify_cp(nx) == CP_WORD) {
                if (cp == '.' || cp == '_')
                    t.dotted = 1;
                else
                    t.apostrophe = 1;
                continue;
            }
        }
        if (in_word) {
            take_token(wk, &t);
            in_word = 0;
        }
    }
    if (in_word)
        take_token(wk, &t);
}

static void
walk_text(struct walk *wk)
{
    const unsigned char *s = (const unsigned char *)wk->text;
    size_t i = 0;

    while (i < wk->len) {
        size_t e;

        if (is_ascii_space(s[i])) {
            i++;
            continue;
        }
        e = i;
        while (e < wk->len && !is_ascii_space(s[e]))
            e++;
        walk_chunk(wk, i, e);
        i = e;
    }
}

/* Whether the text is written in capitals (then all-capital words are not
 * acronyms but shouting, and must be read). */
static int
text_in_capitals(const char *s, size_t len)
{
    size_t up = 0, low = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 'A' && s[i] <= 'Z')
            up++;
        else if (s[i] >= 'a' && s[i] <= 'z')
            low++;
    }
    return up > low;
}

enum judgement { J_ACCEPT, J_UNACCENTED, J_RAW, J_NOT_VIETNAMESE };

/* Share of the words that are Vietnamese, at or above which a text of four
 * or more Vietnamese-looking words is taken as Vietnamese: at least as many
 * Vietnamese words as English or other ones.  Words that are common in both
 * languages ("the", "can", "ban") count half to each side. */
#define VI_SHARE_MIN 0.5
/* The same share when no word needs marks and English grammar words are
 * there: every Vietnamese-looking word is then a syllable as typed ("pho",
 * "banh mi", "Ha Noi"), the way dishes and names stand in English text, so
 * they must make three quarters. */
#define VI_SHARE_MIN_BARE 0.75

/* The tally without the words written as names, where the words in lower
 * case are at least as much English as Vietnamese: there capitals mark
 * names ("met Kim Jong Un in Ha Noi"), while Vietnamese keeps its own
 * capitalised names ("Tieng Bo Dao Nha") among lower-case Vietnamese. */
static struct tally
without_names(const struct tally *in)
{
    struct tally t = *in;

    if (t.lower_en2 == 0 || t.lower_en2 < t.lower_vi2)
        return t;
    t.plain -= t.name - t.name_en;
    t.plain_need -= t.name_need;
    t.plain_en -= t.name_en;
    t.plain_shared -= t.name_shared;
    return t;
}

static enum judgement
judge_author(const struct tally *t)
{
    /* English-looking syllables ("An", "Tan", "Van") are common in names,
     * so only clearly foreign words speak against raw input here */
    if (t->accented == 0 && t->other + t->foreign == 0 && t->raw_strong >= 2)
        return J_RAW;
    return J_ACCEPT;
}

static enum judgement
judge_body(const struct tally *all, enum text_policy policy)
{
    struct tally named = without_names(all);
    const struct tally *t = &named;
    int vn_look = t->plain + t->plain_en + t->raw + t->raw_en;
    int need = t->plain_need + t->raw;
    int clear_other = t->other + t->foreign;
    enum judgement j = J_ACCEPT;

    if (t->accented > 0 && t->accented * 5 >= t->accented + need)
        return J_ACCEPT;
    /* every word capitalised: a list of names ("Nguyen Van An, Tran Thi
     * Mai"), judged as names are */
    if (all->uncapitalised == 0 && vn_look > 2 && policy == TEXT_POLICY_ANY)
        return judge_author(all);
    if (vn_look <= 2) {
        if (t->raw_strong >= 1 && t->accented == 0 && clear_other == 0)
            j = J_RAW;
    } else if (vn_look == 3) {
        if (t->accented == 0 && clear_other == 0 &&
            t->plain_en + t->raw_en == 0) {
            if (t->raw_strong >= 1 || t->raw >= 2)
                j = J_RAW;
            else if (t->plain_need >= 2)
                j = J_UNACCENTED;
        } else if (t->raw_strong >= 1 && t->accented == 0 && clear_other == 0) {
            j = J_RAW;
        }
    } else {
        double vi = t->plain + t->raw + 0.5 * t->plain_shared;
        /* English grammar words count twice: Vietnamese text borrows
         * English nouns, not these.  Unambiguous raw keys are no English
         * at all, and then the words weigh as they are ("If you see this,
         * xin goij laij cho tooi"). */
        int grammar = t->raw_strong == 0 ? t->function : 0;
        double en = clear_other + (t->plain_en - t->plain_shared) + t->raw_en +
                    0.5 * t->plain_shared + grammar;

        /* names are capitalised ("Nguyen Van An and Tran Thi Mai are from Ha
         * Noi"): where there are enough lower-case words, they must agree */
        int lower_ok =
            t->lower_vi2 + t->lower_en2 < 6 ||
            t->lower_vi2 >= VI_SHARE_MIN * (t->lower_vi2 + t->lower_en2);

        double share = (need == 0 || grammar > 0) && t->function >= 2
                           ? VI_SHARE_MIN_BARE
                           : VI_SHARE_MIN;

        /* with the names left out, two Vietnamese words are a dish or a
         * place in English ("Try the com tam at Ba Ghien") */
        int vi_min = t->plain < all->plain ? 3 : 2;

        if (t->plain + t->raw >= vi_min && vi >= share * (vi + en) && lower_ok)
            j = t->raw >= 2 && t->raw * 3 >= need ? J_RAW : J_UNACCENTED;
    }
    if (j != J_ACCEPT || policy != TEXT_POLICY_VIETNAMESE || t->accented > 0)
        return j;
    {
        double vi = t->plain + t->raw + 0.5 * (t->plain_en + t->raw_en);
        double en = clear_other + 0.5 * (t->plain_en + t->raw_en);

        return en > vi ? J_NOT_VIETNAMESE : J_ACCEPT;
    }
}

void
text_verdict_clear(struct text_verdict *v)
{
    free(v->suggestion);
    v->suggestion = NULL;
    v->outcome = TEXT_ACCEPT;
}

int
text_check(const char *text, size_t len, enum text_field field,
           enum text_policy policy, struct text_verdict *out)
{
    struct walk wk;
    enum judgement j;
    int rc = 0;

    out->outcome = TEXT_ACCEPT;
    out->suggestion = NULL;
    vi_init();
    pthread_once(&lists_once, init_lists);

    memset(&wk, 0, sizeof wk);
    wk.text = text;
    wk.len = len;
    wk.text_upper = text_in_capitals(text, len);
    walk_text(&wk);
#ifdef TEXT_CHECK_DEBUG
    fprintf(stderr,
            "acc=%d for=%d oth=%d pl=%d need=%d pen=%d psh=%d "
            "raw=%d strong=%d ren=%d\n",
            wk.t.accented, wk.t.foreign, wk.t.other, wk.t.plain,
            wk.t.plain_need, wk.t.plain_en, wk.t.plain_shared, wk.t.raw,
            wk.t.raw_strong, wk.t.raw_en);
    fprintf(stderr, "lvi2=%d len2=%d name=%d nneed=%d nen=%d nsh=%d\n",
            wk.t.lower_vi2, wk.t.lower_en2, wk.t.name, wk.t.name_need,
            wk.t.name_en, wk.t.name_shared);
#endif
    j = field == TEXT_FIELD_AUTHOR ? judge_author(&wk.t)
                                   : judge_body(&wk.t, policy);
    if (j == J_ACCEPT)
        goto out;
    out->outcome =
        j == J_NOT_VIETNAMESE ? TEXT_NOT_VIETNAMESE : TEXT_MISSING_DIACRITICS;
    if (j != J_RAW)
        goto out;
    if (wk.oom) {
        out->outcome = TEXT_ACCEPT;
        rc = -1;
        goto out;
    }
    if (!wk.out)
        goto out; /* cannot happen: refusing as raw means a raw word */
    if (wk.npend > 0)
        settle_pending(&wk, 0, 0, 0);
    memcpy(wk.out + wk.out_len, text + wk.copied, len - wk.copied);
    wk.out_len += len - wk.copied;
    wk.out[wk.out_len] = 0;
    out->suggestion = wk.out; /* ownership passes to the caller */
    wk.out = NULL;
out:
    free(wk.out);
    return rc;
}
