#!/usr/bin/env bash
# The full test suite, and what CI runs (.ci/run): installs missing system packages, checks style
# (scripts/lint.sh), builds with warnings as errors, runs every test under AddressSanitizer, the
# concurrent suites under ThreadSanitizer with the SwiftCrypto trait, the official Python SDK and
# the README's demo against `oss serve`, and fuzzes the targets briefly.
#
# Why this shape: CI gives a fresh clone of a two-core machine 30 minutes, and each build of the
# package costs several minutes of both cores. So there are three builds, not five:
#   - AddressSanitizer (.build-asan) is the build: every test runs in it once, and so do the
#     interop script and the demo. A separate plain build would only repeat the same tests
#     without the checks.
#   - ThreadSanitizer (.build-tsan) is built with the SwiftCrypto trait, so the client and signer
#     tests run on the Apple platforms' code path (swift-crypto, pure-Swift CRC-64) there, and the
#     concurrent suites run under TSan in the same build. That trait alone leaves the default
#     LocalServerTLS out, so swift-nio-ssl's BoringSSL (about 400 CPU-seconds under TSan) is not
#     compiled for it; the TLS tests run in the AddressSanitizer build.
#   - libFuzzer (.build-fuzz), whose run starts by replaying every seed corpus.
# (Beside them the Examples package, built as a user's would be. DocC is checked without a build
# of its own: the AddressSanitizer build's compiler writes every module's symbol graph, and
# `scripts/docs.sh --symbol-graphs` runs the plugin's `docc convert` on them with warnings as
# errors, a second for all seven products. The plugin's own build, `scripts/docs.sh`, costs 413
# CPU-seconds for the five products without SwiftNIO, which took this command past 30 minutes.)
# The ThreadSanitizer, fuzz and Examples builds run in the background at the lowest priority
# while the AddressSanitizer tests run in the foreground, so the tests (several measure
# timeouts) keep the CPU they need. Their output goes to .build/test-logs/.
#
# The tests run in three processes, the image suites apart from the loopback ones: Swift Testing
# starts a process's tests all at once on a pool as wide as the machine has cores, and CPU-bound
# image tests would otherwise hold it while loopback tests wait out their timeouts. The loopback
# and command-line processes run at most four tests at a time (Swift Testing's
# SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH): two hundred servers and clients at once under
# a sanitizer on two cores miss timeouts that one test alone meets with a wide margin.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# Pillow in .build/pillow-venv: the verifier's tests check outputs another library made.
scripts/pillow-venv.sh > /dev/null
scripts/interop.sh --install-only
# Style first, since it takes seconds: swift-format's rules (.swift-format; every public
# declaration documented) and the layout the code keeps.
scripts/lint.sh

mkdir -p .build/test-logs
declare -A background=()
start() { # NAME COMMAND...: runs COMMAND in the background at the lowest priority, output in .build/test-logs/NAME.log
    local name=$1
    shift
    # (renice, not nice: COMMAND may be a function of this script)
    ( renice -n 19 -p "$BASHPID" > /dev/null; "$@" ) > ".build/test-logs/$name.log" 2>&1 &
    background[$name]=$!
}
finish() { # NAME: waits for it; shows the end of its log and stops here if it failed
    if ! wait "${background[$1]}"; then
        tail -60 ".build/test-logs/$1.log" >&2
        echo "test.sh: $1 failed (whole log: .build/test-logs/$1.log)" >&2
        exit 1
    fi
    unset "background[$1]"
    tail -1 ".build/test-logs/$1.log"
}
# A failure in the foreground stops what still runs in the background.
trap 'for pid in "${background[@]}"; do pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null || true; done' EXIT
background_builds() {
    swift build --product swift-ossPackageTests --traits SwiftCrypto --sanitize=thread --scratch-path .build-tsan \
        -Xswiftc -gline-tables-only -Xswiftc -warnings-as-errors
    scripts/fuzz.sh --build-only all
    (cd Examples && swift build --disable-index-store)
}

# --- AddressSanitizer, LeakSanitizer included: the build, and every test in it. The toolchain's
# and codec libraries' own leaks are suppressed (see the file); a leak in this package's Swift or
# C code still fails the run. The same options reach the `oss` processes the tests start.
# (The scripts that build `oss` again get the same flags, or SwiftPM would rebuild it all.)
# (The builds with tests keep SwiftPM's index store: on Linux the test discovery reads it, and
# without it no test bundle is linked. The fuzz and Examples builds, which have no tests, go
# without: writing it costs about a tenth of each compile.)
# (The symbol graphs, for DocC, are written while each module is emitted; .build-asan/symbol-graphs.)
ASAN_BUILD=(--sanitize=address --scratch-path .build-asan -Xswiftc -gline-tables-only -Xswiftc -warnings-as-errors
    -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc .build-asan/symbol-graphs
    -Xswiftc -symbol-graph-minimum-access-level -Xswiftc public -Xswiftc -emit-extension-block-symbols)
swift build --build-tests "${ASAN_BUILD[@]}"
# DocC of every public library product, warnings as errors (broken links, ambiguous overloads).
scripts/docs.sh --symbol-graphs .build-asan/symbol-graphs
start background-builds background_builds
export LSAN_OPTIONS=suppressions="$PWD/scripts/lsan-suppressions.txt":print_suppressions=0
swift test --skip-build "${ASAN_BUILD[@]}" --filter '^(OSSImageTests|OSSCoreTests|OSSSignerTests)\.'
SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=4 swift test --skip-build "${ASAN_BUILD[@]}" --filter '^(OSSTests|OSSLocalServiceTests)\.'
SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=4 swift test --skip-build "${ASAN_BUILD[@]}" --filter '^OSSCommandTests\.'
# The official Python SDK against `oss serve`, over real sockets, with the same `oss`.
OSS_SWIFT_BUILD_FLAGS="${ASAN_BUILD[*]}" scripts/interop.sh
finish background-builds

# --- ThreadSanitizer with the SwiftCrypto trait: the concurrency-heavy suites (client and server
# over loopback with both transports, fault injection and retries, the server's wire behaviour,
# STS refresh), and the client and signer tests on the swift-crypto code path.
TSAN_OPTIONS=suppressions="$PWD/scripts/tsan-suppressions.txt" SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=4 \
    swift test --skip-build --traits SwiftCrypto --sanitize=thread --scratch-path .build-tsan \
    --filter 'ClientServerTests|ReliabilityTests|ServerBehaviourTests|CredentialsTests|^(OSSTests|OSSSignerTests)\.'

# --- Every example against `oss serve`, each output verified offline (the README's demo).
OSS_SWIFT_BUILD_FLAGS="${ASAN_BUILD[*]}" OSS_EXAMPLES_BUILD_FLAGS=--disable-index-store scripts/demo.sh > .build/test-logs/demo.log 2>&1 \
    || { tail -40 .build/test-logs/demo.log >&2; echo "test.sh: the demo failed" >&2; exit 1; }
tail -1 .build/test-logs/demo.log

# --- A short libFuzzer run of every target, with AddressSanitizer (Fuzz/README.md); each run
# first replays the target's seed corpus. Two at a time: each libFuzzer process uses one core.
scripts/fuzz.sh --no-build --jobs 2 all "${FUZZ_SMOKE_SECONDS:-8}"
