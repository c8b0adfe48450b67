#!/usr/bin/env bash
# Fuzzes the parsers, decoders and the local OSS with libFuzzer (see Fuzz/README.md).
#
#   scripts/fuzz.sh [OPTIONS] [TARGET|all] [SECONDS]
#
# TARGET is one of: xml process service jpeg png webp bmp gif tiff heic avif, or several joined
# with commas (default: all). Each runs SECONDS
# (default 60) from its working corpus (.build-fuzz/corpus/TARGET) and its seeds (Fuzz/Corpus/TARGET).
# A crash, timeout or out-of-memory input lands in Fuzz/Crashes/TARGET/ with a .report beside it
# (the input replayed, with the stack); the script then exits 1.
#
# Options:
#   --keep-going  fork mode: record every crash, timeout and OOM and keep fuzzing until the time is up
#   --replay      no fuzzing: the ordinary build replays Fuzz/Corpus/TARGET
#   --replay-all  the same, and Fuzz/Crashes/TARGET (reproducers of open findings crash until fixed)
#   --seeds       regenerate the seed files Fuzz/Corpus/TARGET/seed-* (ordinary build)
#   --no-build    use the fuzz binaries already in .build-fuzz
#   --build-only  build the fuzz binary and stop
#   --jobs N      fuzz N targets at a time (default 1; each libFuzzer process uses one core)
# Environment: FUZZ_FLAGS adds libFuzzer flags (for example -jobs=2 -workers=2).
# Every target is in one executable, OSSFuzz; OSS_FUZZ_TARGET=NAME picks the one libFuzzer drives.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(xml process service jpeg png webp bmp gif tiff heic avif)
# Inputs longer than this teach little and run slowly.
declare -A MAXLEN=([xml]=16384 [process]=512 [service]=8192 [jpeg]=32768 [png]=32768 [webp]=32768 [bmp]=16384 [gif]=16384 [tiff]=32768 [heic]=32768 [avif]=32768)

mode=fuzz keep_going=0 build=1 crashes_too=0 jobs=1
while [[ $# -gt 0 && $1 == --* ]]; do
    case $1 in
        --keep-going) keep_going=1 ;;
        --replay) mode=replay ;;
        --replay-all) mode=replay crashes_too=1 ;;
        --seeds) mode=seeds ;;
        --no-build) build=0 ;;
        --build-only) mode=build ;;
        --jobs) jobs=${2:?--jobs needs a number}; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
selection=${1:-all}
seconds=${2:-60}
if [[ $selection == all ]]; then targets=("${ALL[@]}"); else IFS=, read -r -a targets <<< "$selection"; fi
for target in "${targets[@]}"; do
    [[ -n ${MAXLEN[$target]:-} ]] || { echo "unknown target '$target' (one of: ${ALL[*]} all)" >&2; exit 2; }
done

ordinary_build() {
    swift build --product OSSFuzz >/dev/null
}

if [[ $mode == seeds ]]; then
    ordinary_build
    for target in "${targets[@]}"; do
        rm -f Fuzz/Corpus/"$target"/seed-*
        .build/debug/OSSFuzz "$target" --write-seeds Fuzz/Corpus/"$target"
    done
    exit 0
fi

if [[ $mode == replay ]]; then
    ordinary_build
    for target in "${targets[@]}"; do
        folders=(Fuzz/Corpus/"$target")
        [[ $crashes_too == 1 && -d Fuzz/Crashes/$target ]] && folders+=(Fuzz/Crashes/"$target")
        .build/debug/OSSFuzz "$target" "${folders[@]}"
    done
    exit 0
fi

# The fuzz build: libFuzzer and AddressSanitizer, with OSS_FUZZ set so that the targets leave
# `main` to libFuzzer. Its own scratch path keeps the ordinary build untouched.
# `--sanitize=fuzzer` tells SwiftPM this is a libFuzzer build (it links libFuzzer's main instead of
# the target's). The sanitizers themselves go in ONE -sanitize= list: swiftc keeps only the last
# -sanitize= flag, and SwiftPM emits `--sanitize` values in no fixed order, so
# `--sanitize=fuzzer --sanitize=address` gives coverage or ASan, whichever comes last. C shims get
# ASan through -Xcc (clang adds -fsanitize lists up).
# (No index store: nothing reads it, and writing it costs compile time.)
FUZZ_BUILD=(--scratch-path .build-fuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address -Xswiftc -DOSS_FUZZ
            -Xswiftc -gline-tables-only --disable-index-store)
if [[ $build == 1 ]]; then
    mkdir -p .build-fuzz
    if ! swift build "${FUZZ_BUILD[@]}" --product OSSFuzz > .build-fuzz/build.log 2>&1; then
        grep -v "Cannot export local symbol '__asan" .build-fuzz/build.log | tail -40 >&2
        echo "fuzz build of OSSFuzz failed" >&2
        exit 1
    fi
    # Both instrumentations must be in the Swift code: ASan's checks and coverage counters.
    object=.build-fuzz/debug/FuzzHarness.build/FuzzTarget.swift.o
    # (counted, not grep -q: an early exit would fail the pipe under pipefail)
    [[ $(nm "$object" | grep -c __asan_report) -gt 0 ]] || { echo "$object has no AddressSanitizer checks" >&2; exit 1; }
    [[ $(objdump -h "$object" | grep -c __sancov_cntrs) -gt 0 ]] || { echo "$object has no coverage counters" >&2; exit 1; }
fi
if [[ $mode == build ]]; then
    echo "fuzz: built OSSFuzz (${targets[*]}) in .build-fuzz"
    exit 0
fi

# Swift's backtracer would catch the trap before libFuzzer could save the input.
export SWIFT_BACKTRACE=enable=no
# LeakSanitizer stays on: the targets free what they allocate, and a leak per input is a finding.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:handle_abort=1}
mkdir -p .build-fuzz/logs
binary=.build-fuzz/debug/OSSFuzz
fuzz_one() { # TARGET: fuzzes it; prints what it saw; exits 1 on a finding
    local target=$1
    local work=.build-fuzz/corpus/$target crashes=Fuzz/Crashes/$target
    mkdir -p "$work" "$crashes"
    local before
    before=$(ls "$crashes" | grep -v '\.report$' | sort || true)
    # A unit slower than the timeout is a finding (timeout-*); libFuzzer's own "slow unit" report
    # (10 s by default) would otherwise save inputs that are merely slow on a loaded machine.
    local flags=(-max_total_time="$seconds" -max_len="${MAXLEN[$target]}" -timeout=20 -report_slow_units=20 -rss_limit_mb=4096
                 -artifact_prefix="$crashes/" -print_final_stats=1)
    [[ -f Fuzz/Dictionaries/$target.dict ]] && flags+=(-dict=Fuzz/Dictionaries/"$target".dict)
    [[ $keep_going == 1 ]] && flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    local log=.build-fuzz/logs/$target-$(date +%Y%m%d-%H%M%S).log times=.build-fuzz/logs/$target.time
    echo "fuzz $target: ${seconds}s, log $log"
    local status=0 wall user system
    export OSS_FUZZ_TARGET=$target
    /usr/bin/time -f "%e %U %S" -o "$times" "$binary" "${flags[@]}" ${FUZZ_FLAGS:-} "$work" Fuzz/Corpus/"$target" >"$log" 2>&1 || status=$?
    read -r wall user system < <(tail -1 "$times") || true
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|Done [0-9]+ runs)' "$log" | tail -2 | sed 's/^/  /' || true
    echo "  cpu: ${user:-?}s user + ${system:-?}s system over ${wall:-?}s; exit $status"
    echo "$(date -Is) $target ${wall:-0} ${user:-0} ${system:-0} exit=$status" >> .build-fuzz/logs/cpu.tsv
    # Sandboxes left by crashed service runs (named after their process id).
    for sandbox in /dev/shm/oss-fuzz-service-*; do
        [[ -d $sandbox ]] && ! kill -0 "${sandbox##*-}" 2>/dev/null && rm -rf "$sandbox"
    done
    local new
    new=$(comm -13 <(echo "$before") <(ls "$crashes" | grep -v '\.report$' | sort) || true)
    if [[ -n $new || ( $status != 0 && $keep_going == 0 ) ]]; then
        for artifact in $new; do
            # The input replayed alone, for the stack; the report sits beside the reproducer.
            "$binary" -runs=1 -timeout=20 -rss_limit_mb=4096 "$crashes/$artifact" > "$crashes/$artifact.report" 2>&1 || true
            echo "  FOUND: $crashes/$artifact ($(grep -m1 -E 'ERROR|Fatal error|fuzz property|deadly signal|timeout|out-of-memory' "$crashes/$artifact.report" || echo see report))"
        done
        [[ -z $new ]] && echo "  FAILED without a new reproducer; see $log"
        return 1
    fi
    return 0
}
# Up to $jobs targets at a time, each printing its lines when it ends (so they do not interleave).
failed=()
declare -A running=()
collect() { # waits for one target to end and prints it
    local pid
    wait -n -p pid "${!running[@]}" || true
    local target=${running[$pid]}
    unset "running[$pid]"
    cat ".build-fuzz/logs/$target.summary"
    [[ $(cat ".build-fuzz/logs/$target.status") == 0 ]] || failed+=("$target")
}
for target in "${targets[@]}"; do
    while [[ ${#running[@]} -ge $jobs ]]; do collect; done
    ( status=0; fuzz_one "$target" > ".build-fuzz/logs/$target.summary" 2>&1 || status=$?; echo $status > ".build-fuzz/logs/$target.status" ) &
    running[$!]=$target
done
while [[ ${#running[@]} -gt 0 ]]; do collect; done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: findings in ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: no findings in ${targets[*]}"
