#!/usr/bin/env bash
# Pillow in a virtualenv under .build/, for the verification tests that re-encode, resample and
# rotate our kernels' outputs with another library (Tests/OSSImageTests/PillowVariantTests.swift).
# scripts/test.sh runs it before the tests; the tests never install it themselves (without it
# they report themselves skipped).
# Prints the venv's python on success; exits non-zero (and the tests report themselves skipped)
# when python3's venv or PyPI cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/pillow-venv
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import PIL" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pillow==11.3.0" >&2
fi
"$venv/bin/python" -c "import PIL, PIL.Image, PIL.ImageFilter" >&2
echo "$PWD/$venv/bin/python"
