/* Vietnamese syllables: letters, tones, and the rules that say whether a
 * string of letters is a Vietnamese syllable.  Used by the diacritics
 * checker (vi/text_check.c) and the Telex/VNI restorer (vi/telex.c).
 *
 * Nothing here knows about words of any particular text, and nothing is
 * learnt from example sentences: the syllable inventory is generated at
 * start-up from the onset and rhyme lists of Vietnamese orthography written
 * out in syllable.c.  Pure: no I/O, no allocation after vi_init().
 *
 * Letters are held in an internal one-byte alphabet: lowercase ASCII for the
 * plain letters plus 'A' â, 'W' ă, 'E' ê, 'O' ô, 'P' ơ, 'U' ư, 'D' đ. */
#ifndef YKIEN_VI_SYLLABLE_H
#define YKIEN_VI_SYLLABLE_H

#include <stddef.h>
#include <stdint.h>

enum vi_tone {
    VI_TONE_NONE,  /* ngang */
    VI_TONE_GRAVE, /* huyền */
    VI_TONE_ACUTE, /* sắc */
    VI_TONE_HOOK,  /* hỏi */
    VI_TONE_TILDE, /* ngã */
    VI_TONE_DOT,   /* nặng */
};

/* No Vietnamese syllable is longer than 7 letters ("nghiêng", "khuyếch"). */
#define VI_SYL_MAX 8

/* One syllable: letters in the internal alphabet, the case each letter had,
 * and one tone for the whole syllable (where it is written is a matter of
 * style, decided only when the syllable is encoded). */
struct vi_word {
    char letter[VI_SYL_MAX];
    unsigned char upper[VI_SYL_MAX];
    int len;
    int tone;
};

/* What vi_letter_decode() found in a code point. */
enum vi_cp_kind {
    VI_CP_OTHER,      /* not a letter of the Vietnamese alphabet */
    VI_CP_LETTER,     /* *letter, *tone, *upper are set */
    VI_CP_TONE_MARK,  /* combining tone mark: *tone is set */
    VI_CP_VOWEL_MARK, /* combining circumflex/breve/horn: *letter is '^', '(' or
                         '+' */
};

/* Builds the tables; safe to call from several threads (pthread_once).
 * The functions below that take a whole word call it themselves; the
 * per-character vi_letter_decode() does not, to stay cheap: call vi_init()
 * before it. */
void vi_init(void);
/* A vowel of the internal alphabet, marked (A W E O P U) or not. */
int vi_letter_is_vowel(char letter);
/* The letter a marked letter is written with when its marks are lost:
 * A W -> a, E -> e, O P -> o, U -> u, D -> d; others unchanged. */
char vi_letter_base(char letter);

/* Classifies one code point (precomposed Vietnamese letters, đ, ASCII
 * letters, and the combining marks Vietnamese uses).  vi_init() must have
 * been called. */
enum vi_cp_kind vi_letter_decode(uint32_t cp, char *letter, int *tone,
                                 int *upper);

/* Applies a combining vowel mark ('^', '(' or '+') to an internal letter;
 * returns the marked letter or 0 if that mark cannot sit on that letter. */
char vi_letter_mark(char letter, char mark);

/* 1 if w is a Vietnamese syllable: a valid onset, a rhyme from the rhyme
 * inventory that this onset may take, and a tone the coda allows (c, ch, p,
 * t take only sắc or nặng).  Where the tone was written is not checked, so
 * "hoà" and "hòa" are both valid. */
int vi_syllable_valid(const struct vi_word *w);

/* Looks at a lowercase ASCII word s[0..len) as Vietnamese typed without any
 * diacritic.  Returns 1 if some Vietnamese syllable strips to s (â ă → a,
 * ê → e, ô ơ → o, ư → u, đ → d, tone removed); then *needs_mark is 1 when
 * every such syllable carries a vowel mark or must carry a tone ("cac",
 * "duoc", "nguoi"), 0 when s is also a syllable as it stands ("hay",
 * "khong"). */
int vi_plain_check(const char *s, int len, int *needs_mark);

/* 1 if the word has a letter with a vowel mark, đ, or a tone. */
int vi_word_has_diacritic(const struct vi_word *w);

/* Writes w as NFC UTF-8 into out (at least 3 * VI_SYL_MAX bytes), with the
 * tone on the letter the traditional ("old") placement rule picks: "hóa",
 * "thủy", "khỏe", "quả", "giá", "người".  w must be valid.  Returns the
 * number of bytes written (no NUL is added). */
size_t vi_word_encode(const struct vi_word *w, char *out);

/* Appends one code point as UTF-8; returns bytes written (1 to 4). */
size_t vi_utf8_put(uint32_t cp, char *out);

#endif
