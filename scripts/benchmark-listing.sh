#!/usr/bin/env bash
# Listing speed of `oss serve` with many keys (default 10000), through the official Python SDK:
# full walks by pages of 1000 and 100, a delimiter listing, one page from the middle, and the
# first listing after a restart (the index rebuilt from the object files). Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
venv=.build/interop-venv
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import alibabacloud_oss_v2" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "alibabacloud-oss-v2==1.4.1"
fi
swift build -c release --static-swift-stdlib --product oss >/dev/null
bin=$(swift build -c release --show-bin-path)/oss
root=$(mktemp -d)
out=$(mktemp)
server=
start() {
  : >"$out"
  OSS_ACCESS_KEY_ID=bench-ak OSS_ACCESS_KEY_SECRET=bench-secret "$bin" serve --root "$root" --bucket bench-bucket >"$out" 2>&1 &
  server=$!
  for _ in $(seq 100); do [[ -s $out ]] && break; sleep 0.1; done
  url=$(head -1 "$out")
  [[ $url == http://* ]] || { echo "oss serve did not start: $(cat "$out")" >&2; exit 1; }
}
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$root" "$out"' EXIT
start
"$venv/bin/python" Benchmarks/listing_benchmark.py "$url" bench-bucket bench-ak bench-secret upload "$count"
kill "$server"; wait "$server" 2>/dev/null || true
start
"$venv/bin/python" Benchmarks/listing_benchmark.py "$url" bench-bucket bench-ak bench-secret first "$count"
