#!/usr/bin/env bash
# The circle kernel beside Pillow and pyvips on the same generated photo-like JPEGs, in one run.
# Pillow and pyvips (with its bundled libvips) are installed into .build/bench-venv for this only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
venv=.build/bench-venv
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -c "import PIL, pyvips" 2>/dev/null || "$venv/bin/pip" install --quiet --disable-pip-version-check pillow "pyvips[binary]"
swift build -c release --static-swift-stdlib --product oss >/dev/null
swift build -c release --static-swift-stdlib --product OSSBenchmarks >/dev/null
"$(swift build -c release --show-bin-path)/OSSBenchmarks" circle --python "$venv/bin/python" "$@"
