/* Unit tests for the diacritics checker (vi/text_check.c) and the
 * syllable and Telex/VNI modules under it.  No I/O besides the report.
 * The sentences are written for these tests, not taken from any corpus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "vi/text_check.h"
#include "vi/syllable.h"
#include "vi/telex.h"

#include "check.h"

static struct text_verdict
run(const char *s, enum text_field field, enum text_policy policy)
{
    struct text_verdict v;

    if (text_check(s, strlen(s), field, policy, &v) != 0) {
        fprintf(stderr, "text_check failed on %s\n", s);
        exit(1);
    }
    return v;
}

static const char *
outcome_name(enum text_outcome o)
{
    switch (o) {
    case TEXT_ACCEPT:
        return "accept";
    case TEXT_MISSING_DIACRITICS:
        return "missing diacritics";
    case TEXT_NOT_VIETNAMESE:
        return "not Vietnamese";
    }
    return "?";
}

static int
accepted_as(const char *s, enum text_field field, enum text_policy policy)
{
    struct text_verdict v = run(s, field, policy);
    int ok = v.outcome == TEXT_ACCEPT && v.suggestion == NULL;

    if (!ok)
        fprintf(stderr, "  expected accept: \"%s\" (got %s%s%s)\n", s,
                outcome_name(v.outcome), v.suggestion ? " → " : "",
                v.suggestion ? v.suggestion : "");
    text_verdict_clear(&v);
    return ok;
}

static int
accepted(const char *s)
{
    return accepted_as(s, TEXT_FIELD_BODY, TEXT_POLICY_ANY);
}

/* Refused as missing_diacritics; with want == NULL, without suggestion. */
static int
refused_as(const char *s, enum text_field field, const char *want)
{
    struct text_verdict v = run(s, field, TEXT_POLICY_ANY);
    int ok = v.outcome == TEXT_MISSING_DIACRITICS &&
             (want ? v.suggestion && strcmp(v.suggestion, want) == 0
                   : v.suggestion == NULL);

    if (!ok)
        fprintf(stderr,
                "  expected refusal: \"%s\" → \"%s\" (got %s, \"%s\")\n", s,
                want ? want : "(none)", outcome_name(v.outcome),
                v.suggestion ? v.suggestion : "(none)");
    text_verdict_clear(&v);
    return ok;
}

static int
refused(const char *s, const char *want)
{
    return refused_as(s, TEXT_FIELD_BODY, want);
}

/* The NFD form of s, checked as is (the caller normally gives NFC). */
static int
accepted_nfd(const char *s)
{
    utf8proc_uint8_t *d = utf8proc_NFD((const utf8proc_uint8_t *)s);
    int ok;

    if (!d)
        exit(1);
    ok = strcmp((char *)d, s) != 0 && accepted((const char *)d);
    free(d);
    return ok;
}

static void
test_syllables(void)
{
    int need;

    /* bare forms that are syllables as they stand, and ones that need marks */
    CHECK(vi_plain_check("khong", 5, &need) && !need);
    CHECK(vi_plain_check("hay", 3, &need) && !need);
    CHECK(vi_plain_check("cac", 3, &need) && need); /* stop coda needs a tone */
    CHECK(vi_plain_check("duoc", 4, &need) && need); /* uo before c is uô/ươ */
    CHECK(vi_plain_check("nguoi", 5, &need) && need);
    CHECK(vi_plain_check("quyen", 5, &need) && need);
    CHECK(vi_plain_check("gi", 2, &need) && !need); /* gi + i */
    CHECK(vi_plain_check("nghieng", 7, &need) && need);
    /* spelling rules: c/k, g/gh, ng/ngh, no p or f onset, no "ing" */
    CHECK(vi_plain_check("ke", 2, &need));
    CHECK(!vi_plain_check("ce", 2, &need));
    CHECK(!vi_plain_check("ka", 2, &need));
    CHECK(!vi_plain_check("ge", 2, &need));
    CHECK(vi_plain_check("nghe", 4, &need));
    CHECK(!vi_plain_check("nge", 3, &need));
    CHECK(!vi_plain_check("king", 4, &need));
    CHECK(!vi_plain_check("fan", 3, &need));
    CHECK(vi_plain_check("the", 3, &need));
    CHECK(!vi_plain_check("table", 5, &need));
    /* labials take no glide, but for the loan "buýt"; "tuýt", "huýt",
     * "quýt" are regular */
    CHECK(vi_plain_check("buyt", 4, &need) && need);
    CHECK(vi_plain_check("tuyt", 4, &need) && need);
    CHECK(vi_plain_check("huyt", 4, &need) && need);
    CHECK(vi_plain_check("quyt", 4, &need) && need);
    CHECK(!vi_plain_check("buy", 3, &need));
    CHECK(!vi_plain_check("muyt", 4, &need));
    CHECK(!vi_plain_check("buyn", 4, &need));
}

static void
test_unaccented(void)
{
    CHECK(refused("Bai viet rat hay, cam on tac gia nhieu lam", NULL));
    CHECK(refused("Toi khong dong y voi y kien cua ban ve van de nay.", NULL));
    CHECK(refused("Gia xang tang lien tuc thi nguoi dan lam sao song noi?",
                  NULL));
    CHECK(refused("BAI VIET NAY QUA DAI VA KHONG CO THONG TIN GI MOI", NULL));
    CHECK(refused("Chuc mung doi tuyen, tran dau hom qua that tuyet voi 😍",
                  NULL));
    /* chat shorthand is no English */
    CHECK(refused("Mk thay ko dc, dung co ma tin ntn", NULL));
    CHECK(refused("Gia vang hom nay tang 500k/luong, ai mua thi nhanh len",
                  NULL));
    CHECK(accepted("Dc cái là giá rẻ, còn chất lượng ntn thì chưa biết."));
    /* a URL and an @handle do not rescue it */
    CHECK(refused(
        "@minh_anh ban doc bai nay chua: https://example.vn/tin-moi.html",
        NULL));
}

static void
test_telex(void)
{
    CHECK(refused("Xin chaof cacs banj", "Xin chào các bạn"));
    CHECK(refused("dduwowngf", "đường"));
    CHECK(refused("Vieetj Nam", "Việt Nam"));
    CHECK(refused("nhw vaayj", "như vậy"));
    CHECK(refused("Tooi ddi hocj", "Tôi đi học"));
    /* the tone key at the end, after the vowel, or after the vowel group */
    CHECK(refused("Tieengs Vieetj", "Tiếng Việt"));
    CHECK(refused("Tieesng Vieejt", "Tiếng Việt"));
    CHECK(refused("vafo nhaf", "vào nhà"));
    /* ư ơ â ê ô ă đ, and uow for ươ */
    CHECK(refused("muwa nawngs nhieeuf ddoor", "mưa nắng nhiều đổ"));
    CHECK(refused("nguowif duowngf", "người dường"));
    CHECK(refused("dduwowcj vowis", "được với"));
    CHECK(refused("thuowr nhor", "thuở nhỏ"));
    /* traditional tone placement: hóa, thủy, khỏe; qu and gi onsets */
    CHECK(refused("hoaf bifnh thuyr thur khoer", "hòa bình thủy thủ khỏe"));
    CHECK(refused("quar thaajt gias quas", "quả thật giá quá"));
    CHECK(refused("gif gifn giuwx giuwowngf gieets", "gì gìn giữ giường giết"));
    CHECK(refused("quoocs gia quyeets ddinhj", "quốc gia quyết định"));
    /* case */
    CHECK(refused("VIEETJ NAM VOO DDICHJ", "VIỆT NAM VÔ ĐỊCH"));
    CHECK(refused("Ddaf Nawngx ddepj quas", "Đà Nẵng đẹp quá"));
    /* a capital Đ typed with Shift held is no brand's inner capital */
    CHECK(refused("DDaay laf tin mowis", "Đây là tin mới"));
    CHECK(refused("DDuwowngf nafy DDepj", "Đường này Đẹp"));
    /* the loan "buýt" and its regular kin */
    CHECK(refused("ddi xe buyts", "đi xe buýt"));
    CHECK(refused("huyts saos, awn quyts", "huýt sáo, ăn quýt"));
    /* everything that is not a Telex word is kept byte for byte */
    CHECK(refused(
        "Xin chaof cacs banj 😀, xem https://example.com/a?b=1 nhes!  #tin_moi @admin 2024",
        "Xin chào các bạn 😀, xem https://example.com/a?b=1 nhé!  #tin_moi @admin 2024"));
    CHECK(refused("Tooi ddang duwngf iPhone 15\tvaf\nMacBook, ddepj lawms!!!",
                  "Tôi đang dừng iPhone 15\tvà\nMacBook, đẹp lắm!!!"));
    /* "max" is English and Telex: among raw keystrokes it is "mã" */
    CHECK(refused("Ddax max hoas tin nhawns", "Đã mã hóa tin nhắn"));
}

/* Whole sentences of Telex with English words in them: the suggestion
 * restores the Vietnamese and keeps the English as typed. */
static void
test_english_in_telex(void)
{
    /* English words whose Telex reading nobody means: always kept */
    CHECK(refused("Title is: Tooi ddi hocj", "Title is: Tôi đi học"));
    CHECK(refused("xem ref nayf", "xem ref này"));
    CHECK(refused("Tooi ddax ddocj bafi nafy, it is good",
                  "Tôi đã đọc bài này, it is good"));
    CHECK(refused("Bafi vieets nafy hay, but the title is wrong",
                  "Bài viết này hay, but the title is wrong"));
    CHECK(refused("Tooi ddi xe bus ddeens truwowngf vaf lafm bafi test",
                  "Tôi đi xe bus đến trường và làm bài test"));
    CHECK(refused("Cos ai bieets cachs turn off cais nafy khoong",
                  "Có ai biết cách turn off cái này không"));
    /* ... and so is a lone "ref": no reply is refused for it */
    CHECK(accepted("ref"));
    /* English words that spell a common syllable are restored among
     * Vietnamese ("teen" tên, "max" mã, "As" Á) */
    CHECK(refused("Max looix: khoong tifm thaays teen file",
                  "Mã lỗi: không tìm thấy tên file"));
    CHECK(refused("Ddoong Nam As vaf chaau As", "Đông Nam Á và châu Á"));
    CHECK(refused("Thuwr nghieemj: max laf gif", "Thử nghiệm: mã là gì"));
    /* ... but not when their only Vietnamese neighbour is past a clause
     * break and English stands beside them */
    CHECK(refused("If you see this, xin goij laij cho tooi",
                  "If you see this, xin gọi lại cho tôi"));
    CHECK(refused("Title max: Tooi ddi hocj", "Title max: Tôi đi học"));
    CHECK(refused("Bafi test nafy: this nghieemj khos",
                  "Bài test này: thí nghiệm khó"));
    /* a run of such words is restored as one, across numbers */
    CHECK(refused("Buns char 35k mootj suaats", "Bún chả 35k một suất"));
    /* ... but a name after a word of another language is a title */
    CHECK(refused("Tooi mua iPhone 15 Pro Max gias 28 trieeuj",
                  "Tôi mua iPhone 15 Pro Max giá 28 triệu"));
    CHECK(refused("Tooi ddax xem phim Mad Max, hay lawms",
                  "Tôi đã xem phim Mad Max, hay lắm"));
}

static void
test_vni(void)
{
    CHECK(refused("Xin cha2o ca1c ba5n", "Xin chào các bạn"));
    CHECK(refused("d9u7o7ng2", "đường"));
    CHECK(refused("Vie65t Nam", "Việt Nam"));
    /* digits at the end of the word */
    CHECK(refused("Viet65 Nam", "Việt Nam"));
    CHECK(refused("duong972 pho61", "đường phố"));
    CHECK(refused("tho72i tie61t ho6m nay d9e5p qua1",
                  "thời tiết hôm nay đẹp quá"));
    CHECK(refused("ngu7o72i lu7u gia1 tri5", "người lưu giá trị"));
    CHECK(refused("luu7 y1 hoa2 thuy3", "lưu ý hòa thủy"));
    CHECK(refused("d9a8ng nha65p tha2nh co6ng", "đăng nhập thành công"));
    CHECK(refused("VIE65T NAM", "VIỆT NAM"));
    /* codes with digits are left alone */
    CHECK(refused("Xin cha2o, file mp3 va2 h264 o73 d9a6y",
                  "Xin chào, file mp3 và h264 ở đây"));
}

static void
test_accented(void)
{
    const char *nfc[] = {
        "Bài viết rất hay, cảm ơn tác giả nhiều lắm.",
        "Người dân mong chờ giá xăng giảm trong tuần tới.",
        "Thủ tướng đã chủ trì cuộc họp về phòng chống thiên tai.",
        "Đội tuyển Việt Nam thắng 2-0, quá tuyệt vời!",
        "Tôi thấy ý kiến của bạn hoàn toàn hợp lý.",
    };

    for (size_t i = 0; i < sizeof nfc / sizeof *nfc; i++) {
        CHECK(accepted(nfc[i]));
        CHECK(accepted_nfd(nfc[i]));
    }
    /* old and new tone placement */
    CHECK(accepted("Hoà bình, thuỷ thủ, khoẻ mạnh, hoá đơn."));
    CHECK(accepted("Hòa bình, thủy thủ, khỏe mạnh, hóa đơn."));
    /* precomposed ê/ô + combining tone ("Unicode tổ hợp") */
    CHECK(accepted(
        "Vi\xc3\xaa\xcc\xa3t Nam l\xc3\xa0 qu\xc3\xaa h\xc6\xb0\xc6\xa1ng t\xc3\xb4i"));
    /* mixed with English, brands, URLs, e-mail, hashtags, emoji, numbers */
    CHECK(accepted(
        "Mình vừa mua iPhone 15 Pro Max ở https://shop.example.vn, giá 30 triệu 😍 #apple @tgdd"));
    CHECK(accepted("Gửi email cho tôi qua ten.nguoi@example.com nhé, thanks!"));
    CHECK(accepted(
        "Deadline là thứ Sáu, team mình cần review code và deploy lên server."));
    CHECK(accepted("Samsung Galaxy S24 Ultra có camera 200MP, pin 5000mAh."));
    /* partly stripped: the IME was on, marks were missed */
    CHECK(accepted("Bài viết rat hay, cảm ơn tac giả nhieu."));
    CHECK(accepted("Toi thấy giá xang tang quá nhanh, nguoi dân khổ lắm"));
}

static void
test_english(void)
{
    CHECK(accepted("I can hang the long ban on me to an end."));
    CHECK(accepted("The man sat on the mat and then he ran to the van."));
    CHECK(accepted("Can you send me the long list of items to ban?"));
    CHECK(accepted("This is the best thing I have seen in a long time."));
    CHECK(accepted("He has to go to the bank, but it is not open on Sunday."));
    CHECK(accepted("The host lost most of his cats in the test."));
    CHECK(accepted("Great article, thanks for sharing!"));
    /* Vietnamese names without marks in an English sentence */
    CHECK(accepted("Nguyen Van An and Tran Thi Mai are from Ha Noi."));
    /* capitals inside a sentence among English are names, and dishes that
     * are syllables as typed prove nothing */
    CHECK(accepted("Donald Trump met Kim Jong Un in Ha Noi in 2019."));
    CHECK(accepted("We had banh mi and ca phe sua da near the Old Quarter."));
    /* ... while Vietnamese keeps its capitalised names */
    CHECK(refused("Tieng Bo Dao Nha (don gian)", NULL));
    CHECK(refused("Hom qua Nguyen Van Binh da gap ba Tran Thi Mai o Ha Noi",
                  NULL));
    CHECK(accepted("Das ist ein sehr guter Artikel, danke schön."));
    CHECK(accepted("C'est un très bon article, merci beaucoup."));
    CHECK(accepted("这篇文章很好"));
}

static void
test_short(void)
{
    CHECK(accepted("ok"));
    CHECK(accepted("+1"));
    CHECK(accepted("hay"));
    CHECK(accepted("đúng"));
    CHECK(accepted("cam on"));
    CHECK(accepted("cam on ban"));
    CHECK(accepted("dong y"));
    CHECK(accepted("😀👍"));
    CHECK(accepted(":))"));
    CHECK(accepted("test"));
    CHECK(accepted("Lee"));
    CHECK(accepted("most cats"));
    CHECK(accepted("https://example.com"));
    CHECK(accepted("@hoa.le"));
    CHECK(accepted("A4"));
    /* unambiguous raw keystrokes are refused even when short */
    CHECK(refused("dduwowcj", "được"));
    CHECK(refused("camr own banj", "cảm ơn bạn"));
    CHECK(refused("ca3m o7n", "cảm ơn"));
    /* three words that all need marks */
    CHECK(refused("thuong hieu viet", NULL));
}

static void
test_author(void)
{
    CHECK(accepted_as("Nguyen Van An", TEXT_FIELD_AUTHOR, TEXT_POLICY_ANY));
    CHECK(
        accepted_as("Tran Thi Thuy Duong", TEXT_FIELD_AUTHOR, TEXT_POLICY_ANY));
    CHECK(accepted_as("Thu Thảo", TEXT_FIELD_AUTHOR, TEXT_POLICY_ANY));
    CHECK(accepted_as("Lee Soo Man", TEXT_FIELD_AUTHOR, TEXT_POLICY_ANY));
    CHECK(accepted_as("John Smith", TEXT_FIELD_AUTHOR, TEXT_POLICY_VIETNAMESE));
    CHECK(accepted_as("Nguyeenx An", TEXT_FIELD_AUTHOR, TEXT_POLICY_ANY));
    CHECK(refused_as("Nguyeenx Vawn An", TEXT_FIELD_AUTHOR, "Nguyễn Văn An"));
    CHECK(refused_as("Nguye64n Va8n An", TEXT_FIELD_AUTHOR, "Nguyễn Văn An"));
}

static void
test_policy(void)
{
    struct text_verdict v;

    v = run("This is a great article, thanks for writing it.", TEXT_FIELD_BODY,
            TEXT_POLICY_VIETNAMESE);
    CHECK(v.outcome == TEXT_NOT_VIETNAMESE && !v.suggestion);
    text_verdict_clear(&v);
    v = run("thanks", TEXT_FIELD_BODY, TEXT_POLICY_VIETNAMESE);
    CHECK(v.outcome == TEXT_NOT_VIETNAMESE);
    text_verdict_clear(&v);
    CHECK(accepted_as("Bài viết rất hay", TEXT_FIELD_BODY,
                      TEXT_POLICY_VIETNAMESE));
    CHECK(accepted_as("Mình thích bài này, great job!", TEXT_FIELD_BODY,
                      TEXT_POLICY_VIETNAMESE));
    CHECK(accepted_as("😀", TEXT_FIELD_BODY, TEXT_POLICY_VIETNAMESE));
    CHECK(accepted_as("ok", TEXT_FIELD_BODY, TEXT_POLICY_VIETNAMESE));
    CHECK(accepted_as("cam on", TEXT_FIELD_BODY, TEXT_POLICY_VIETNAMESE));
    /* the diacritics rule still applies under this policy */
    v = run("Bai viet rat hay, cam on tac gia nhieu lam", TEXT_FIELD_BODY,
            TEXT_POLICY_VIETNAMESE);
    CHECK(v.outcome == TEXT_MISSING_DIACRITICS);
    text_verdict_clear(&v);
}

static void
test_edges(void)
{
    struct text_verdict v;

    CHECK(accepted(""));
    CHECK(accepted("   \n\t "));
    CHECK(accepted("2024-06-09 10:30"));
    /* a word longer than any syllable, and the longest syllables */
    CHECK(accepted("supercalifragilisticexpialidocious"));
    CHECK(accepted("nghiêng khuyếch người"));
    /* text_verdict_clear is safe twice and on a zeroed verdict */
    v = run("Xin chaof cacs banj", TEXT_FIELD_BODY, TEXT_POLICY_ANY);
    text_verdict_clear(&v);
    text_verdict_clear(&v);
    CHECK(v.outcome == TEXT_ACCEPT && v.suggestion == NULL);
    /* a lone combining mark, and marks on consonants */
    CHECK(accepted("\xcc\x81 b\xcc\x81"));
    /* len is honoured: no reading past it */
    CHECK(text_check("Xin chaof cacs banj", 9, TEXT_FIELD_BODY, TEXT_POLICY_ANY,
                     &v) == 0);
    CHECK(v.outcome == TEXT_MISSING_DIACRITICS && v.suggestion &&
          strcmp(v.suggestion, "Xin chào") == 0);
    text_verdict_clear(&v);
}

/* English about Vietnam: dishes, places and people typed without marks
 * in an English frame are English, while the same words in Vietnamese
 * sentences are still refused. */
static void
test_english_about_vietnam(void)
{
    /* English grammar words count twice */
    CHECK(accepted("Banh xeo, goi cuon and cha gio are my favorites."));
    CHECK(accepted("Pho bo or pho ga? Both are great."));
    /* an opening English word; two lower-case Vietnamese words beside names */
    CHECK(accepted("Try the com tam at Ba Ghien on Dang Van Ngu street."));
    /* dish and place pairs count for both languages */
    CHECK(accepted("Went to Ben Thanh market, bought ca phe sua da and banh "
                   "bao."));
    CHECK(accepted("I ordered the bun thit nuong and a ca phe sua da."));
    CHECK(accepted("Dinner at Quan An Ngon: banh xeo, cha ca, and nem ran."));
    /* a body of capitalised words is a list of names */
    CHECK(accepted("Nguyen Van An, Tran Thi Mai, Le Van Tam, Pham Minh Chau"));
    CHECK(refused("Nguyeenx Vawn An, Traanf Thij Mai",
                  "Nguyễn Văn An, Trần Thị Mai"));
    /* Dutch and German words that spell Vietnamese syllables or keys */
    CHECK(accepted("Ik ben het er niet mee eens."));
    CHECK(accepted("Ich bin nicht einverstanden mit dem Autor."));
    /* the same dishes and places in Vietnamese sentences */
    CHECK(refused("Ca phe sua da o quan nay 25k, rat ngon.", NULL));
    CHECK(refused("Ban oi banh mi o dau ngon nhat Sai Gon vay?", NULL));
    CHECK(refused("Toi an pho o Ha Noi moi sang, ngon lam.", NULL));
    CHECK(refused("Team minh lam deadline het tuan nay roi.", NULL));
    /* ...and a short pair of raw keys stays refused though capitalised */
    CHECK(refused("Vieejt Nam", "Việt Nam"));
}

int
main(void)
{
    test_syllables();
    test_unaccented();
    test_telex();
    test_english_in_telex();
    test_vni();
    test_accented();
    test_english();
    test_english_about_vietnam();
    test_short();
    test_author();
    test_policy();
    test_edges();
    return check_report();
}
