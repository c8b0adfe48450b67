#!/usr/bin/env bash
# Builds the DocC documentation of the public library products with swift-docc-plugin, with DocC's
# warnings as errors: a broken symbol link, an ambiguous overload or a half-documented parameter
# list fails the run. Archives land in SCRATCH/plugins/Swift-DocC/outputs/.
#
#   scripts/docs.sh                          # every public library product, scratch path .build-docs
#   OSS_DOCS_TARGETS="OSS OSSImage" scripts/docs.sh
#   OSS_DOCS_BUILD_FLAGS="--scratch-path /tmp/oss-docs --disable-index-store --traits SystemCrypto,LocalServerTLS" scripts/docs.sh
#   scripts/docs.sh --symbol-graphs DIR      # the same check on symbol graphs a build emitted (CI)
#
# The cost is the debug build the symbol graphs are extracted from (DocC itself takes seconds per
# module), so it has a scratch path of its own, without an index store (nothing reads one), and a
# second run rebuilds only what changed. It cannot borrow another build's products: SwiftPM builds
# the plugin's symbol graphs with every package trait enabled (swift-package-manager #8177), so
# its modules are compiled with -DSwiftCrypto beside the defaults, which no other build here uses.
# OSS_DOCS_BUILD_FLAGS replaces the flags (another scratch path, `-j 1`...).
#
# --symbol-graphs DIR skips that build: it runs the same `docc convert` the plugin runs (each
# target's catalog, its graphs, the plugin's fallback name and identifier, warnings as errors) on
# the graphs the compiler wrote into DIR during a build given `-emit-symbol-graph` (scripts/test.sh
# adds it to the AddressSanitizer build, which costs that build about a second). Those graphs come
# from the default traits, the configuration users build. Archives land in DIR/archives/.
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a targets <<< "${OSS_DOCS_TARGETS:-OSS OSSURLSessionTransport OSSImage OSSOffline OSSLocalService OSSLocalServer OSSTestSupport}"

if [[ ${1:-} == --symbol-graphs ]]; then
    graphs=${2:?"--symbol-graphs needs the folder a build wrote its symbol graphs into"}
    docc=$(dirname "$(readlink -f "$(command -v swift)")")/docc
    for target in "${targets[@]}"; do
        # A target's own graphs: TARGET.symbols.json and its extensions of other modules'
        # types, TARGET@OTHER.symbols.json.
        input="$graphs/inputs/$target"
        rm -rf "$input" "$graphs/archives/$target.doccarchive"
        mkdir -p "$input" "$graphs/archives"
        [[ -f $graphs/$target.symbols.json ]] || { echo "docs.sh: no symbol graph of $target in $graphs" >&2; exit 1; }
        shopt -s nullglob
        cp "$graphs/$target".symbols.json "$graphs/$target"@*.symbols.json "$input"/
        shopt -u nullglob
        catalog=()
        for folder in "Sources/$target"/*.docc; do [[ -d $folder ]] && catalog=("$folder"); done
        "$docc" convert "${catalog[@]}" --additional-symbol-graph-dir "$input" \
            --fallback-display-name "$target" --fallback-bundle-identifier "$target" \
            --output-path "$graphs/archives/$target.doccarchive" --warnings-as-errors > "$graphs/archives/$target.log" 2>&1 \
            || { cat "$graphs/archives/$target.log" >&2; echo "docs.sh: DocC of $target has warnings or errors" >&2; exit 1; }
    done
    echo "docs: ${#targets[@]} modules documented without a warning (${targets[*]})"
    exit 0
fi
# The traits are named: without them the plugin's build also compiled swift-crypto (and its
# BoringSSL), which only the SwiftCrypto trait uses.
read -r -a build_flags <<< "${OSS_DOCS_BUILD_FLAGS:---scratch-path .build-docs --disable-index-store --traits SystemCrypto,LocalServerTLS}"
args=()
for target in "${targets[@]}"; do args+=(--target "$target"); done
swift package "${build_flags[@]}" generate-documentation "${args[@]}" --warnings-as-errors "$@"
