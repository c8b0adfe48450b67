#!/usr/bin/env bash
# Watermark cases at the edges of what OSS allows (64 characters at size 1000, fill at size 1, image
# watermarks with P_), timed end to end on a generated 4000x3000 JPEG, with their planned peak bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --static-swift-stdlib --product OSSBenchmarks >/dev/null
"$(swift build -c release --show-bin-path)/OSSBenchmarks" watermark "$@"
