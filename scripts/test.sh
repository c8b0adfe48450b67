#!/usr/bin/env bash
# The full test suite: installs missing system packages, builds with warnings as errors, runs
# every test, runs them again under AddressSanitizer and the concurrent ones under
# ThreadSanitizer, and fuzzes every target briefly. This is the README's test command and what CI
# runs.
#
# Each sanitizer builds in a scratch path of its own (.build-asan, .build-tsan, .build-fuzz), so
# none disturbs the ordinary .build; they keep line tables only (enough for the sanitizers' stacks,
# quicker to compile and link than full debug info). Each sanitizer build runs in the background
# while the previous sanitizer's tests run, which mostly wait on sockets and timers; its output
# goes to .build/test-logs/ and is shown if it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
# Every fuzz target's seed corpus, through the ordinary build.
scripts/fuzz.sh --replay

# --- SwiftCrypto trait: the client and signer tests again, built with swift-crypto in place of
# OpenSSL and the pure-Swift CRC-64 (the code path of Apple platforms), in a build folder of
# their own so the default build above stays as it is.
swift build --build-tests --traits SwiftCrypto --scratch-path .build-swiftcrypto -Xswiftc -warnings-as-errors
swift test --skip-build --traits SwiftCrypto --scratch-path .build-swiftcrypto --filter '^(OSSTests|OSSSignerTests)\.'
# --- end SwiftCrypto

# The official Python SDK against `oss serve`, over real sockets.
scripts/interop.sh
# Every example against `oss serve`, each output verified offline (the README's demo).
scripts/demo.sh

mkdir -p .build/test-logs
declare -A background=()
start() { # NAME COMMAND...: runs COMMAND in the background, its output in .build/test-logs/NAME.log
    local name=$1
    shift
    "$@" > ".build/test-logs/$name.log" 2>&1 &
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
trap 'for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

# Unit and loopback tests under AddressSanitizer, LeakSanitizer included; the toolchain's own
# leaks are suppressed (see the file). `oss` is built too: the command-line tests run it.
swift build --sanitize=address --scratch-path .build-asan -Xswiftc -gline-tables-only --product oss
swift build --sanitize=address --scratch-path .build-asan -Xswiftc -gline-tables-only --product swift-ossPackageTests
start tsan-build swift build --sanitize=thread --scratch-path .build-tsan -Xswiftc -gline-tables-only --product swift-ossPackageTests
LSAN_OPTIONS=suppressions="$PWD/scripts/lsan-suppressions.txt":print_suppressions=0 \
    swift test --skip-build --sanitize=address --scratch-path .build-asan
finish tsan-build

# The concurrency-heavy suites under ThreadSanitizer: client and server over loopback with both
# transports, fault injection and retries, the server's wire behaviour, credentials (STS refresh).
# Races inside Mutex.withLock bodies are suppressed: TSan cannot see that lock (see the file).
start fuzz-build scripts/fuzz.sh --build-only all
TSAN_OPTIONS=suppressions="$PWD/scripts/tsan-suppressions.txt" \
    swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter 'ClientServerTests|ReliabilityTests|ServerBehaviourTests|CredentialsTests'
finish fuzz-build

# A short libFuzzer run of every target, with AddressSanitizer (Fuzz/README.md).
scripts/fuzz.sh --no-build all "${FUZZ_SMOKE_SECONDS:-15}"
