#!/usr/bin/python3
"""Scores a text-checker command on a labelled corpus for the "gõ tiếng
Việt có dấu" rule.

Usage: python3 tests/corpus_score.py CORPUS.tsv -- CMD ARGS...

CORPUS.tsv has a header line, then `label<TAB>expected<TAB>text` with
expected one of accept, reject, either.  Texts are fed to CMD exactly as
stored (some are NFD on purpose: nothing is normalised here), one per line
on stdin; CMD prints one line per input: `accept` or
`reject<TAB>CODE[<TAB>SUGGESTION]`.

Two kinds of corpus:

* Thresholds (a corpus with the three columns, like the shared
  development corpus): exit status 1 if a target is missed: must-accept
  lines at most 0.2 % refused, must-refuse lines at least 98 % refused.

* Exact (a header with a fourth column, `suggestion`: our own fixtures in
  tests/text/): every line must get its verdict.  `reject` means 422
  missing_diacritics, `reject:CODE` another code; a non-empty suggestion
  must be the command's suggestion exactly.  Lines starting with `#` are
  comments; a comment `# known-fail: REASON` marks the next line as one the
  checker is known to get wrong: it is left out of the verdict, and listed
  (with what the command printed) at the end, also once it passes.  Prints
  'N passed, M failed' over the lines scored.

For both, it measures suggestions: each accented line (labels vi_accented,
vi_accented_nfd) is encoded here as Telex and as VNI the way a typist with
the input method off would type it, in several key orders, and the
command's suggestion is compared with the original modulo tone placement
(old "hóa" vs new "hoá"); below 95 % equal is a failure.  Standard
library only.
"""
import os
import subprocess
import sys
import unicodedata

TONE_MARKS = {'\u0300': 'f', '\u0301': 's', '\u0309': 'r', '\u0303': 'x', '\u0323': 'j'}
VNI_TONES = {'\u0300': '2', '\u0301': '1', '\u0309': '3', '\u0303': '4', '\u0323': '5'}
VOWEL_MARKS = {'\u0302', '\u0306', '\u031b'}


def run(cmd, texts):
    data = ''.join(t.replace('\n', ' ') + '\n' for t in texts).encode('utf-8')
    proc = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        sys.exit('command failed with status %d' % proc.returncode)
    lines = proc.stdout.decode('utf-8').split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    if len(lines) != len(texts):
        sys.exit('command printed %d lines for %d inputs' % (len(lines), len(texts)))
    out = []
    for line in lines:
        parts = line.split('\t')
        if parts[0] == 'accept':
            out.append(('accept', None, None))
        elif parts[0] == 'reject':
            out.append(('reject', parts[1] if len(parts) > 1 else '',
                        parts[2] if len(parts) > 2 else None))
        else:
            sys.exit('unexpected output line: %r' % line)
    return out


class Row:
    def __init__(self, lineno, label, expected, text, suggestion=None, known=None):
        self.lineno, self.label, self.text = lineno, label, text
        self.expected, _, self.code = expected.partition(':')
        if self.expected == 'reject' and not self.code:
            self.code = 'missing_diacritics'
        self.suggestion = suggestion or None
        self.known = known


def read_corpus(path):
    """Returns (rows, exact): exact when the header has a suggestion
    column."""
    rows = []
    with open(path, encoding='utf-8', newline='') as f:
        header = f.readline().rstrip('\n').rstrip('\r')
        if not header.startswith('label\t'):
            sys.exit('%s: no header line' % path)
        exact = header.split('\t')[3:4] == ['suggestion']
        known = None
        for lineno, raw in enumerate(f, start=2):
            raw = raw.rstrip('\n').rstrip('\r')
            if not raw:
                continue
            if exact and raw.startswith('#'):
                if raw.startswith('# known-fail:'):
                    known = raw[len('# known-fail:'):].strip() or 'known to fail'
                continue
            if exact:
                cols = raw.split('\t')
                if len(cols) not in (3, 4):
                    sys.exit('%s:%d: want 3 or 4 tab-separated columns, got %d'
                             % (path, lineno, len(cols)))
                row = Row(lineno, *cols, known=known)
                if row.expected not in ('accept', 'reject', 'either'):
                    sys.exit('%s:%d: expected %r' % (path, lineno, cols[1]))
                known = None
            else:
                label, expected, text = raw.split('\t', 2)
                row = Row(lineno, label, expected, text)
            rows.append(row)
    return rows, exact


def line_problem(row, verdict):
    """What is wrong with the command's verdict on an exact-corpus row
    (None when nothing)."""
    v, code, sug = verdict
    if row.expected == 'either':
        return None
    if row.expected == 'accept':
        return None if v == 'accept' else 'refused (%s%s)' % (code, ', suggests %r' % sug
                                                              if sug else '')
    if v != 'reject':
        return 'accepted'
    if code != row.code:
        return 'refused with %s, want %s' % (code, row.code)
    if row.suggestion and sug != row.suggestion:
        return 'suggests %r, want %r' % (sug, row.suggestion)
    return None


# ---- Telex / VNI encoding ------------------------------------------------

def letters(word):
    """Splits an NFC word into (base letter, vowel mark, tone) triples:
    mark is one of '', '^', '(', '+', 'd' (for đ)."""
    out = []
    for ch in word:
        if ch in 'đĐ':
            out.append(('D' if ch == 'Đ' else 'd', 'd', ''))
            continue
        d = unicodedata.normalize('NFD', ch)
        base, mark, tone = d[0], '', ''
        for m in d[1:]:
            if m == '\u0302':
                mark = '^'
            elif m == '\u0306':
                mark = '('
            elif m == '\u031b':
                mark = '+'
            elif m in TONE_MARKS:
                tone = m
        out.append((base, mark, tone))
    return out


def encode_word(word, method, order):
    """method 'telex' or 'vni'; order 'end' (tone key last), 'vowel' (tone
    key right after its vowel), 'allend' (VNI: every digit at the end)."""
    lets = letters(word)
    if not any(m or t for _, m, t in lets):
        return word
    caps = len(lets) > 1 and all(not b.isalpha() or b.isupper() for b, _, _ in lets)

    def key(s):
        return s.upper() if caps else s

    body, tail, tone_key = [], [], ''
    for base, mark, tone in lets:
        lower = base.lower()
        if method == 'telex':
            if mark == 'd':
                keys = key('d')
            elif mark == '^':
                keys = key(lower)
            elif mark:
                keys = key('w')
            else:
                keys = ''
            tk = TONE_MARKS.get(tone, '')
        else:
            keys = {'d': '9', '^': '6', '(': '8', '+': '7', '': ''}[mark]
            tk = VNI_TONES.get(tone, '')
        if tk:
            tone_key = key(tk)
        if order == 'allend':
            body.append(base)
            tail.append(keys)
        else:
            body.append(base + keys)
            if tk and order == 'vowel':
                body.append(key(tk))
    out = ''.join(body)
    if order == 'allend':
        out += ''.join(tail)
    if order in ('end', 'allend') and tone_key:
        out += tone_key
    return out


def encode_text(text, method, order):
    out, word = [], []
    for ch in text:
        if ch.isalpha():
            word.append(ch)
            continue
        if word:
            out.append(encode_word(''.join(word), method, order))
            word = []
        out.append(ch)
    if word:
        out.append(encode_word(''.join(word), method, order))
    return ''.join(out)


def placement_free(text):
    """Text with each word's tone moved out of the way, so that "hóa" and
    "hoá" compare equal."""
    out, word = [], []

    def flush():
        if word:
            d = unicodedata.normalize('NFD', ''.join(word))
            tones = ''.join(c for c in d if c in TONE_MARKS)
            rest = ''.join(c for c in d if c not in TONE_MARKS)
            out.append(unicodedata.normalize('NFC', rest) + '<' + tones + '>')
            word.clear()

    for ch in unicodedata.normalize('NFC', text):
        if ch.isalpha():
            word.append(ch)
        else:
            flush()
            out.append(ch)
    flush()
    return ''.join(out)


VARIANTS = [('telex', 'end'), ('telex', 'vowel'), ('vni', 'end'), ('vni', 'vowel'),
            ('vni', 'allend')]


def main(argv):
    if '--' not in argv or argv.index('--') != 2 or len(argv) < 4:
        sys.exit('usage: corpus_score.py CORPUS.tsv -- CMD ARGS...')
    corpus, exact = read_corpus(argv[1])
    cmd = argv[3:]
    verdicts = run(cmd, [r.text for r in corpus])

    # Exact corpus: each line on its own; known-failing lines are listed,
    # not scored.
    line_failures, known_report, line_passed = [], [], 0
    if exact:
        for r, verdict in zip(corpus, verdicts):
            problem = line_problem(r, verdict)
            if r.known:
                known_report.append((r, problem, verdict))
            elif problem:
                line_failures.append((r, problem))
            elif r.expected != 'either':
                line_passed += 1
    scored = [(r, v) for r, v in zip(corpus, verdicts) if not r.known]
    rows = [(r.label, r.expected, r.text) for r, _ in scored]
    verdicts = [v for _, v in scored]

    labels = {}
    for (label, expected, _), (v, _, _) in zip(rows, verdicts):
        st = labels.setdefault(label, {'n': 0, 'refused': 0, 'exp': {}})
        st['n'] += 1
        st['refused'] += v == 'reject'
        st['exp'][expected] = st['exp'].get(expected, 0) + 1
    acc_n = sum(1 for _, e, _ in rows if e == 'accept')
    acc_bad = sum(1 for (_, e, _), (v, _, _) in zip(rows, verdicts) if e == 'accept' and v == 'reject')
    rej_n = sum(1 for _, e, _ in rows if e == 'reject')
    rej_ok = sum(1 for (_, e, _), (v, _, _) in zip(rows, verdicts) if e == 'reject' and v == 'reject')
    eit_n = sum(1 for _, e, _ in rows if e == 'either')
    eit_rej = sum(1 for (_, e, _), (v, _, _) in zip(rows, verdicts) if e == 'either' and v == 'reject')

    print('%-18s %6s %8s %9s  %s' % ('label', 'n', 'refused', 'refused%', 'expected'))
    for label in sorted(labels):
        st = labels[label]
        exp = ' '.join('%s=%d' % kv for kv in sorted(st['exp'].items()))
        print('%-18s %6d %8d %8.2f%%  %s' % (label, st['n'], st['refused'],
                                             100.0 * st['refused'] / st['n'], exp))
    print()
    print('must accept: %d/%d refused (%.2f%%)' % (acc_bad, acc_n, 100.0 * acc_bad / max(acc_n, 1)))
    print('must refuse: %d/%d refused (%.2f%%)' % (rej_ok, rej_n, 100.0 * rej_ok / max(rej_n, 1)))
    print('either:      %d/%d refused (not scored)' % (eit_rej, eit_n))

    # generated raw input from the accented lines
    sources = [unicodedata.normalize('NFC', t) for l, _, t in rows
               if l in ('vi_accented', 'vi_accented_nfd')]
    gen, origin, kinds = [], [], []
    for src in sources:
        for method, order in VARIANTS:
            enc = encode_text(src, method, order)
            if enc != src:
                gen.append(enc)
                origin.append(src)
                kinds.append(method + '/' + order)
    gv = run(cmd, gen) if gen else []
    per = {}
    exact_all = 0
    misses = []
    for g, o, k, (v, _, sug) in zip(gen, origin, kinds, gv):
        st = per.setdefault(k, [0, 0, 0])
        st[0] += 1
        st[1] += v == 'reject'
        ok = v == 'reject' and sug is not None and placement_free(sug) == placement_free(o)
        st[2] += ok
        exact_all += ok
        if not ok:
            misses.append((k, g, o, sug))
    print()
    print('generated raw lines from %d accented lines:' % len(sources))
    print('%-14s %6s %9s %9s' % ('variant', 'n', 'refused%', 'exact%'))
    for k in [m + '/' + o for m, o in VARIANTS]:
        if k in per:
            n, r, e = per[k]
            print('%-14s %6d %8.2f%% %8.2f%%' % (k, n, 100.0 * r / n, 100.0 * e / n))
    exact_pct = 100.0 * exact_all / max(len(gen), 1)
    print('suggestions exact (modulo tone placement): %d/%d (%.2f%%)' %
          (exact_all, len(gen), exact_pct))
    if misses and os.environ.get('SCORE_VERBOSE'):
        for k, g, o, s in misses[:40]:
            print('MISS %s\n  in:  %s\n  exp: %s\n  got: %s' % (k, g, o, s))

    fa = 100.0 * acc_bad / max(acc_n, 1)
    fr = 100.0 * rej_ok / max(rej_n, 1)
    print()
    print('false_reject=%.2f%% false_accept=%.2f%% n=%d' % (fa, 100.0 - fr, acc_n + rej_n))
    failed = []
    if exact:
        for r, problem in line_failures:
            print('FAIL line %d [%s, %s]: %s\n  %s' % (r.lineno, r.label, r.expected, problem,
                                                       r.text))
        if line_failures:
            failed.append('%d lines not as labelled' % len(line_failures))
        if known_report:
            print()
            print('known-failing lines (%d), not scored:' % len(known_report))
            for r, problem, (v, code, sug) in known_report:
                state = ('still fails: ' + problem) if problem else \
                    'NOW PASSES: remove its known-fail mark'
                print('  line %d [%s, %s] %s\n    %s\n    why: %s' % (
                    r.lineno, r.label, r.expected, state, r.text, r.known))
    else:
        if acc_bad * 1000 > 2 * acc_n:
            failed.append('must-accept refused > 0.2%')
        if rej_ok * 100 < 98 * rej_n:
            failed.append('must-refuse refused < 98%')
    if gen and exact_all * 100 < 95 * len(gen):
        failed.append('suggestions exact < 95%')
    if exact:
        gen_ok = not gen or exact_all * 100 >= 95 * len(gen)
        print('%d passed, %d failed' % (line_passed + gen_ok, len(line_failures) + (not gen_ok)))
    if failed:
        print('TARGETS MISSED: ' + '; '.join(failed))
        return 1
    print('all targets met')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
