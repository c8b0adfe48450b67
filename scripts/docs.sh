#!/usr/bin/env bash
# Builds the DocC documentation of the public library products with swift-docc-plugin, DocC's
# warnings as errors: a broken symbol link or a malformed doc comment fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${OSS_DOCS_SCRATCH:-.build-docs}
TARGETS=(OSS OSSURLSessionTransport OSSImage OSSOffline OSSLocalService OSSLocalServer OSSTestSupport)
args=()
for target in "${TARGETS[@]}"; do args+=(--target "$target"); done
swift package --scratch-path "$SCRATCH" --disable-index-store \
    generate-documentation "${args[@]}" --warnings-as-errors "$@"
