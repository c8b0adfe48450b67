#!/usr/bin/env bash
# 1 GiB through `oss serve`: swift-oss getObject(toFile:) beside `curl -o`, same server, one run.
# Prints throughput, the ratio, and peak RSS of the client and of the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
command -v curl >/dev/null || { echo "benchmark needs curl" >&2; exit 1; }
swift build -c release --product oss >/dev/null
swift build -c release --product OSSBenchmarks >/dev/null
"$(swift build -c release --show-bin-path)/OSSBenchmarks" transfer "$@"
