#!/usr/bin/env bash
# The full test suite: installs missing system packages, builds with warnings as errors, runs
# every test. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build

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
