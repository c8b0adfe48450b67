#!/usr/bin/env bash
# The full test suite: installs missing system packages, builds with warnings as errors, runs
# every test. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
# The official Python SDK against `oss serve`, over real sockets.
scripts/interop.sh
# Every example against `oss serve`, each output verified offline (the README's demo).
scripts/demo.sh
