#!/usr/bin/env bash
# Builds the DocC documentation of the public library products with swift-docc-plugin, with DocC's
# warnings as errors: a broken symbol link, an ambiguous overload or a half-documented parameter
# list fails the run. Archives land in SCRATCH/plugins/Swift-DocC/outputs/.
#
#   scripts/docs.sh                          # every public library product, scratch path .build-docs
#   OSS_DOCS_TARGETS="OSS OSSImage" scripts/docs.sh
#   OSS_DOCS_BUILD_FLAGS="--scratch-path /tmp/oss-docs --disable-index-store --traits SystemCrypto,LocalServerTLS" scripts/docs.sh
#
# The cost is the debug build the symbol graphs are extracted from (DocC itself takes seconds per
# module), so it has a scratch path of its own, without an index store (nothing reads one), and a
# second run rebuilds only what changed. It cannot borrow another build's products: SwiftPM builds
# a plugin's targets with flags of its own, and `swift build --build-tests` with the same scratch
# path and flags recompiles every module after it. OSS_DOCS_BUILD_FLAGS replaces
# the flags (another scratch path, `-j 1`...).
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a targets <<< "${OSS_DOCS_TARGETS:-OSS OSSURLSessionTransport OSSImage OSSOffline OSSLocalService OSSLocalServer OSSTestSupport}"
# The traits are named: without them the plugin's build also compiled swift-crypto (and its
# BoringSSL), which only the SwiftCrypto trait uses.
read -r -a build_flags <<< "${OSS_DOCS_BUILD_FLAGS:---scratch-path .build-docs --disable-index-store --traits SystemCrypto,LocalServerTLS}"
args=()
for target in "${targets[@]}"; do args+=(--target "$target"); done
swift package "${build_flags[@]}" generate-documentation "${args[@]}" --warnings-as-errors "$@"
