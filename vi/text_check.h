/* The "Vui lòng gõ tiếng Việt có dấu" rule: decides whether a comment's
 * text is Vietnamese typed without its diacritics, or raw Telex/VNI
 * keystrokes typed with the input method off, and for raw keystrokes
 * offers the restored text.  Pure: no I/O, no logging (never log comment
 * text), one allocation per call at most (the suggestion's buffer).
 *
 * What is refused (TEXT_MISSING_DIACRITICS):
 *  - Vietnamese with (almost) no marks: fewer than 20 % of the words that
 *    show they need marks keep them.  Text where the writer clearly had the
 *    IME on and only missed some marks passes.  Where the lower-case
 *    words are at least as much English as Vietnamese, capitalised words
 *    inside a sentence are names and do not count ("met Kim Jong Un in Ha
 *    Noi"); where no word needs marks but two English grammar words are
 *    there, Vietnamese must make three quarters ("We had banh mi and ca
 *    phe").  Chat shorthand ("ko", "dc", "ntn") counts for neither
 *    language.  English grammar words ("and", "are") count twice; a
 *    sentence opening with an English word ("Try the com tam at Ba Ghien")
 *    counts it; with the names left out, two Vietnamese words are not
 *    enough; pairs that name dishes and places in English ("banh mi", "ca
 *    phe", "Da Nang") count for both languages; a body whose every word is
 *    capitalised is a list of names, judged as an author name is.
 *  - Raw Telex ("Xin chaof cacs banj", "dduwowcj", "nhw") and VNI ("Xin
 *    cha2o ca1c ba5n", "Viet65").  Then `suggestion` holds the text with
 *    every raw word restored and every other byte (English words, URLs,
 *    numbers, emoji, spacing) unchanged.  A word that is English and
 *    Telex keys at once is restored only among Vietnamese ("max" mã,
 *    "teen" tên; a run of them as one, "Buns char 35k" "Bún chả 35k"),
 *    and not when its only Vietnamese neighbour is past a clause break
 *    with English beside it, nor as a capitalised name right after a word
 *    of another language ("iPhone 15 Pro Max"); English words whose Telex
 *    reading nobody means stay as typed ("Title is: Tôi đi học", "xem
 *    ref này").  Tones are written in the traditional placement ("hóa",
 *    "thủy", "khỏe"), as in the site's corpus of accented text; both
 *    placements are accepted on input.
 *
 * Always accepted: properly accented Vietnamese (NFC, NFD, or precomposed
 * vowel + combining tone), with English words, brand names, numbers, URLs,
 * e-mail addresses, #hashtags, @handles, emoji; English and other
 * languages; text with no words at all.
 *
 * Short replies: a body with at most two Vietnamese-looking words is never
 * refused for missing marks ("cam on", "hay", "ok") unless a word is
 * unambiguous raw input ("dduwowcj", "banj", "ca1m o7n") and nothing in it
 * is English or accented; with exactly three such words it is refused only
 * if none is also an English word, none is accented, and at least two of
 * them cannot be Vietnamese without marks ("vi dieu khien"), or it has raw
 * input as above.  A false refusal costs more than a false acceptance.
 *
 * Author names: "Nguyen Van An" always passes, and so does any name with
 * an accented word or a word that is neither Vietnamese nor raw input
 * ("John", "Smith"); a name is refused only when at least two of its words
 * are unambiguous raw keystrokes ("Nguyeenx Vawn An", "Nguye64n Va8n An"),
 * with the restored name as suggestion.  A single raw word ("Nguyeenx An")
 * passes: one odd spelling in a name is not enough to refuse it.  Doubled
 * vowels alone are not unambiguous ("Lee Soo Man" passes).
 * TEXT_POLICY_VIETNAMESE does not apply to names.
 *
 * TEXT_POLICY_VIETNAMESE additionally refuses a body whose words are not
 * Vietnamese (TEXT_NOT_VIETNAMESE); a body with no words (emoji, "+1",
 * a URL) or only interjections ("ok", "haha") is not refused for that.
 *
 * Ownership: text is borrowed; out->suggestion is malloc'd and belongs to
 * the caller, who frees it with text_verdict_clear(). */
#ifndef YKIEN_VI_TEXT_CHECK_H
#define YKIEN_VI_TEXT_CHECK_H

#include <stddef.h>

enum text_field { TEXT_FIELD_BODY, TEXT_FIELD_AUTHOR };
enum text_policy { TEXT_POLICY_ANY, TEXT_POLICY_VIETNAMESE };

/* The verdict on a text.  Callers branch on it; api/ maps the refusals to
 * its errors of the same names. */
enum text_outcome {
    TEXT_ACCEPT,
    TEXT_MISSING_DIACRITICS, /* unaccented Vietnamese or raw Telex/VNI */
    TEXT_NOT_VIETNAMESE,     /* only under TEXT_POLICY_VIETNAMESE */
};

struct text_verdict {
    enum text_outcome outcome;
    char *suggestion; /* malloc'd NUL-terminated UTF-8 restored text, or NULL;
                       * only with TEXT_MISSING_DIACRITICS */
};

/* Checks NFC UTF-8 text (len bytes, valid UTF-8 guaranteed by the caller;
 * may contain \n and \t; NFD is handled too).  Fills *out, which need not
 * be initialised.  Returns 0, or -1 on out-of-memory (then *out is
 * TEXT_ACCEPT with no suggestion).  Thread-safe. */
int text_check(const char *text, size_t len, enum text_field field,
               enum text_policy policy, struct text_verdict *out);

/* Frees the suggestion and resets *v; safe on a zeroed verdict. */
void text_verdict_clear(struct text_verdict *v);

#endif
