#!/usr/bin/env bash
# 1 GiB uploaded to `oss serve` in 100 parts by 8 concurrent clients, then completed. Prints the
# upload throughput and the server's peak RSS, and fails if it reaches 64 MiB.
#   scripts/benchmark-multipart-memory.sh [--size-mib N] [--parts P] [--clients C] [--budget-mib B]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --static-swift-stdlib --product oss >/dev/null
swift build -c release --static-swift-stdlib --product OSSBenchmarks >/dev/null
"$(swift build -c release --show-bin-path)/OSSBenchmarks" multipart-memory "$@"
