#!/usr/bin/env bash
# Style check: the toolchain's `swift format lint --strict` with the repository's `.swift-format`,
# over every Swift file of the package (Sources, Tests, Fuzz, Benchmarks, Examples, Package.swift).
# Exits non-zero on any finding and prints each as FILE:LINE:COLUMN.
#
# Why the rules only, not the layout (--debug-disable-pretty-print): swift-format's layout pass
# re-indents continuation lines by a fixed step, while this code aligns a call's or a signature's
# continuation lines under its first argument; passing it would mean reformatting nearly every
# file. The layout the code does keep is checked here directly instead: no tab, no trailing
# space, a final newline.
#
# To fix what swift-format can rewrite (import order, numeric literal grouping, ...), without
# touching the layout:
#   swift format format --debug-disable-pretty-print --in-place --configuration .swift-format FILE...
# Missing doc comments on public declarations and names are fixed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

files=()
while IFS= read -r -d '' file; do files+=("$file"); done < <(
    find Sources Tests Fuzz Benchmarks Examples -name '*.swift' -not -path '*/.build*' -print0 | sort -z
)
files+=(Package.swift)

status=0
swift format lint --strict --debug-disable-pretty-print --parallel --configuration .swift-format "${files[@]}" || status=1

layout=$(
    grep -nH -P '\t' "${files[@]}" | sed 's/^\([^:]*:[0-9]*\):.*/\1: error: [Layout] tab; indent with four spaces/' || true
    grep -nH -E '[[:space:]]+$' "${files[@]}" | sed 's/^\([^:]*:[0-9]*\):.*/\1: error: [Layout] trailing whitespace/' || true
    for file in "${files[@]}"; do
        if [[ -s $file && $(tail -c 1 "$file" | od -An -c | tr -d ' ') != '\n' ]]; then
            echo "$file: error: [Layout] no newline at the end of the file"
        fi
    done
)
if [[ -n $layout ]]; then
    echo "$layout" >&2
    status=1
fi

if (( status != 0 )); then
    echo "lint.sh: style findings above (configuration: .swift-format)" >&2
fi
exit $status
