/* Reading raw Telex and VNI keystrokes: what a word typed with the input
 * method switched off ("dduowcj", "Vieetj", "nhw"; "d9u7o75c", "Viet65")
 * would have become with it on.
 *
 * Decoding is deterministic and word by word: it knows nothing of the
 * surrounding text and does not decide whether a word *is* raw input
 * ("max" decodes to "mã" and is also English): that judgement belongs to
 * vi/text_check.c.  Pure: no I/O, no allocation. */
#ifndef YKIEN_VI_TELEX_H
#define YKIEN_VI_TELEX_H

#include "vi/syllable.h"

/* How a decoded word was typed, for judging how surely it is raw input. */
enum {
    VI_RAW_DD = 1 << 0,         /* Telex "dd" → đ */
    VI_RAW_W = 1 << 1,          /* Telex w: ư ơ ă, or ư on its own */
    VI_RAW_DOUBLE = 1 << 2,     /* Telex aa ee oo → â ê ô */
    VI_RAW_TONE = 1 << 3,       /* a tone key (Telex s f r x j, VNI 1-5) */
    VI_RAW_TONE_LAST = 1 << 4,  /* ... as the last key of the word */
    VI_RAW_TONE_VOWEL = 1 << 5, /* ... followed by a vowel ("vafo") */
    VI_RAW_TONE_CONS = 1 << 6,  /* ... followed by a consonant ("Tieesng") */
    VI_RAW_VNI_MARK = 1 << 7,   /* VNI 6 7 8 9 */
};

/* Longest keystroke sequence considered: a syllable plus its keys. */
#define VI_RAW_MAX 16

/* Decodes ASCII letters s[0..n) as Telex.  Returns 1 and fills *out (case
 * kept letter by letter) when the keys yield a valid Vietnamese syllable
 * carrying at least one diacritic; *features gets VI_RAW_* bits and
 * *tone_key the Telex tone key used (0 if none).  Returns 0 otherwise
 * (including words that are already plain syllables: "hay", "trong"). */
int vi_telex_decode(const char *s, int n, struct vi_word *out,
                    unsigned *features, char *tone_key);

/* Same for VNI: ASCII letters and digits s[0..n), at least one digit 1-9.
 * Digits may follow the vowel they modify or come at the end of the word
 * ("Vie65t", "Viet65"). */
int vi_vni_decode(const char *s, int n, struct vi_word *out,
                  unsigned *features);

#endif
