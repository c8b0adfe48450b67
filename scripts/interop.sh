#!/usr/bin/env bash
# Interop with an official client: installs alibabacloud-oss-v2 into a virtualenv under .build/,
# starts `oss serve` on a temporary folder, and runs Tests/Interop/python_sdk_interop.py against it
# under V4 and V1. The server is stopped on every exit path.
#   --install-only              only set up the virtualenv (scripts/test.sh does it before building)
#   OSS_SWIFT_BUILD_FLAGS=...   extra `swift build` flags for `oss` (scripts/test.sh passes its
#                               AddressSanitizer build's)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/interop-venv
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import alibabacloud_oss_v2" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "alibabacloud-oss-v2==1.4.1"
fi
[[ ${1:-} == --install-only ]] && exit 0
read -r -a build_flags <<< "${OSS_SWIFT_BUILD_FLAGS:-}"
swift build "${build_flags[@]}" --product oss >/dev/null
bin=$(swift build "${build_flags[@]}" --show-bin-path)/oss
root=$(mktemp -d)
out=$(mktemp)
OSS_ACCESS_KEY_ID=interop-ak OSS_ACCESS_KEY_SECRET=interop-secret "$bin" serve --root "$root" --bucket interop-bucket >"$out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$root" "$out"' EXIT
for _ in $(seq 100); do [[ -s $out ]] && break; sleep 0.1; done
url=$(head -1 "$out")
[[ $url == http://* ]] || { echo "oss serve did not start: $(cat "$out")" >&2; exit 1; }
"$venv/bin/python" Tests/Interop/python_sdk_interop.py "$url" interop-bucket interop-ak interop-secret
