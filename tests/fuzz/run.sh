#!/bin/sh
# Builds the libFuzzer targets (build-fuzz/, see tests/fuzz/meson.build) and
# runs each for a bounded time, seeded with its checked-in corpus, which is
# only read: new inputs go to a scratch folder, never into the repository.
#
#   tests/fuzz/run.sh [TARGET...]       (default: every target)
#
# Environment:
#   FUZZ_SECONDS   seconds per target (60)
#   FUZZ_BUILD     build folder (build-fuzz, beside tests/)
#   FUZZ_WORK      scratch folder: new inputs, crash artifacts, logs
#                  (a new /tmp/ykien-fuzz.XXXXXX)
#   FUZZ_ARGS      extra libFuzzer options, e.g. "-jobs=2 -workers=2"
#
# Prints per target the executions and whether a crash was found, then the
# paths of the crash artifacts.  Exit status: 0 when no target crashed,
# 1 when one did (or timed out, or ran out of memory), 2 when the build
# failed.  To add a crash to the corpus as a regression seed once it is
# fixed: cp ARTIFACT tests/fuzz/corpus/TARGET/crash-SHORT-NAME
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
work=${FUZZ_WORK:-$(mktemp -d /tmp/ykien-fuzz.XXXXXX)}
targets=${*:-comment_json multipart text_check unicode query headers image_size rules}

max_len() {
    case $1 in
    comment_json) echo 16384 ;;     # bodies of up to 5000 characters and more
    multipart) echo 32768 ;;        # text parts and small attachments
    text_check|unicode) echo 8192 ;;
    query) echo 1024 ;;
    headers) echo 512 ;;
    rules) echo 4096 ;;
    *) echo 4096 ;;
    esac
}

if [ ! -d "$build" ]; then
    CC=clang meson setup "$build" "$src" -Dfuzz=true \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all' \
        >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; exit 2; }
fi
ninja -C "$build" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 2; }

# The targets' scratch databases and uploads: in memory when possible.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=/dev/shm
    export TMPDIR
fi
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

echo "fuzzing for ${seconds}s per target; scratch in $work"
failed=0
total=0
for t in $targets; do
    exe=$build/tests/fuzz/fuzz_$t
    seeds=$src/tests/fuzz/corpus/$t
    # unicode fuzzes the clean-up in front of the text checker, on its corpus
    [ "$t" = unicode ] && seeds=$src/tests/fuzz/corpus/text_check
    new=$work/corpus/$t
    art=$work/artifacts/$t
    log=$work/logs/$t.log
    mkdir -p "$new" "$art" "$work/logs"
    if [ ! -x "$exe" ]; then
        echo "$t: no such target ($exe)"
        failed=1
        continue
    fi
    # shellcheck disable=SC2086
    "$exe" "$new" "$seeds" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
        -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$art/" ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs=${execs:-0}
    total=$((total + execs))
    artifacts=$(find "$art" -type f | sort)
    if [ "$rc" -eq 0 ] && [ -z "$artifacts" ]; then
        printf '%-14s %10s executions  no crash  (%s new inputs)\n' "$t" "$execs" \
            "$(find "$new" -type f | wc -l)"
    else
        failed=1
        printf '%-14s %10s executions  CRASH (exit %s), log %s\n' "$t" "$execs" "$rc" "$log"
        for a in $artifacts; do
            echo "    artifact: $a"
        done
        grep -m 3 -E 'ERROR: |runtime error:|invariant failed|SUMMARY' "$log" | sed 's/^/    /'
    fi
done
echo "total: $total executions"
exit $failed
