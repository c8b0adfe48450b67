#!/usr/bin/env bash
# The full test suite: installs missing system packages, builds with warnings as errors, runs
# every test, runs them again under AddressSanitizer and the concurrent ones under
# ThreadSanitizer, and fuzzes every target briefly. This is the README's test command and what CI
# runs. Each sanitizer builds in a scratch path of its own (.build-asan, .build-tsan, .build-fuzz),
# so none of them disturbs the ordinary .build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
# Every fuzz target's seed corpus, through the ordinary build.
scripts/fuzz.sh --replay
# The official Python SDK against `oss serve`, over real sockets.
scripts/interop.sh
# Every example against `oss serve`, each output verified offline (the README's demo).
scripts/demo.sh

# Unit and loopback tests under AddressSanitizer, LeakSanitizer included; the toolchain's own
# leaks are suppressed (see the file).
swift build --build-tests --sanitize=address --scratch-path .build-asan -Xswiftc -gline-tables-only
LSAN_OPTIONS=suppressions="$PWD/scripts/lsan-suppressions.txt":print_suppressions=0 \
    swift test --skip-build --sanitize=address --scratch-path .build-asan

# The concurrency-heavy suites under ThreadSanitizer: client and server over loopback with both
# transports, fault injection and retries, the server's wire behaviour, credentials (STS refresh).
# Races inside Mutex.withLock bodies are suppressed: TSan cannot see that lock (see the file).
swift build --build-tests --sanitize=thread --scratch-path .build-tsan -Xswiftc -gline-tables-only
TSAN_OPTIONS=suppressions="$PWD/scripts/tsan-suppressions.txt" \
    swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter 'ClientServerTests|ReliabilityTests|ServerBehaviourTests|CredentialsTests'

# A short libFuzzer run of every target, with AddressSanitizer (Fuzz/README.md).
scripts/fuzz.sh all "${FUZZ_SMOKE_SECONDS:-20}"
