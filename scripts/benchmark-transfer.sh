#!/usr/bin/env bash
# Transfers through `oss serve`, in one run:
#  1. unthrottled: swift-oss getObject(toFile:) beside `curl -o` (OSSBenchmarks transfer);
#  2. throttled, as real networks cap each connection: every GET body paced to RATE bytes/s (the
#     server's `throttle` fault rule), then, interleaved round by round, a multipart upload with the
#     Uploader, the Downloader with 4 parts in flight, single-stream getObject(toFile:), `curl -o`,
#     and the official Python SDK's resumable download (alibabacloud-oss-v2, 4 parts in flight).
#  3. many small objects: `oss cp -r --process image/circle,r_100` over 2,000 objects beside the
#     Python SDK and curl (scripts/benchmark-cli.sh, with its COUNT, ROUNDS and JOBS).
# Prints each client's median throughput (MB/s, 10^6 bytes) and peak RSS (/usr/bin/time %M) as a
# process of its own. Settings: SIZE_MIB (1024), ROUNDS (3), RATE (100000000 bytes/s),
# SKIP_UNTHROTTLED=1 to skip part 1, SKIP_CLI=1 to skip part 3. Extra arguments go to part 1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
command -v curl >/dev/null || { echo "benchmark needs curl" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "benchmark needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
SIZE_MIB=${SIZE_MIB:-1024}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-100000000}
swift build -c release --static-swift-stdlib --product oss >/dev/null
swift build -c release --static-swift-stdlib --product OSSBenchmarks >/dev/null
bin=$(swift build -c release --show-bin-path)

if [[ ${SKIP_UNTHROTTLED:-0} != 1 ]]; then
  "$bin/OSSBenchmarks" transfer --size-mib "$SIZE_MIB" "$@"
fi

# The official SDK, as scripts/interop.sh installs it; its figures are skipped if it cannot be.
venv=.build/interop-venv
python=""
if [[ -x $venv/bin/python ]] || python3 -m venv "$venv" 2>/dev/null; then
  if "$venv/bin/python" -c "import alibabacloud_oss_v2" 2>/dev/null ||
     "$venv/bin/pip" install --quiet --disable-pip-version-check "alibabacloud-oss-v2==1.4.1" 2>/dev/null; then
    python=$venv/bin/python
  fi
fi

work=$(mktemp -d)
server=""
trap '[[ -n $server ]] && kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export OSS_ACCESS_KEY_ID=bench-ak OSS_ACCESS_KEY_SECRET=bench-secret
printf '[{"fault": "throttle", "method": "GET", "times": -1, "bytesPerSecond": %d}]\n' "$RATE" >"$work/faults.json"
mkdir "$work/root"
"$bin/oss" serve --root "$work/root" --bucket bench --faults "$work/faults.json" >"$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 100); do [[ -s $work/serve.out ]] && break; sleep 0.1; done
url=$(head -1 "$work/serve.out")
[[ $url == http://* ]] || { echo "oss serve did not start: $(cat "$work/serve.out")" >&2; exit 1; }
head -c $((SIZE_MIB << 20)) /dev/urandom >"$work/source.bin"
bytes=$((SIZE_MIB << 20))
echo
echo "throttled: $SIZE_MIB MiB, every GET body paced to $RATE bytes/s, $ROUNDS rounds interleaved, at $url"

common=(--endpoint "$url" --bucket bench --key big.bin)
# run NAME OUTPUT-FILE COMMAND...: one timed client run; appends "NAME MB/s RSS-KiB" to results.
run() {
  local name=$1 output=$2
  shift 2
  rm -rf "$output" "$work/py-checkpoints"
  mkdir -p "$work/py-checkpoints"
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null
  end=$(date +%s%N)
  local rate
  rate=$(awk -v b="$bytes" -v ns=$((end - start)) 'BEGIN { printf "%.1f", b / (ns / 1e9) / 1e6 }')
  echo "$name $rate $(tail -1 "$work/rss")" >>"$work/results"
  printf '  %-34s %8s MB/s  peak RSS %6.1f MiB\n' "$name" "$rate" "$(awk -v k="$(tail -1 "$work/rss")" 'BEGIN { print k / 1024 }')"
  if [[ $output != - ]]; then
    [[ $round != 1 ]] || cmp -s "$output" "$work/source.bin" || { echo "$name: the downloaded file differs from the object" >&2; exit 1; }
    rm -f "$output"
  fi
}

for round in $(seq "$ROUNDS"); do
  echo "round $round"
  run "upload: Uploader, 4 parts" - "$bin/OSSBenchmarks" put "${common[@]}" --from "$work/source.bin"
  presigned=$("$bin/OSSBenchmarks" presign "${common[@]}")
  run "get: Downloader, 4 parts" "$work/parallel.bin" "$bin/OSSBenchmarks" get "${common[@]}" --to "$work/parallel.bin"
  run "get: getObject(toFile:), 1 stream" "$work/single.bin" "$bin/OSSBenchmarks" get "${common[@]}" --mode single --to "$work/single.bin"
  run "get: curl -o, 1 stream" "$work/curl.bin" curl -sS --fail -o "$work/curl.bin" "$presigned"
  if [[ -n $python ]]; then
    run "get: Python SDK resumable, 4 parts" "$work/python.bin" "$python" Tests/Interop/python_resumable_download.py \
      "$url" bench big.bin "$work/python.bin" "$work/py-checkpoints"
  fi
done

echo
echo "medians of $ROUNDS rounds ($SIZE_MIB MiB; peak RSS is the largest of the rounds):"
python3 - "$work/results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    *name, rate, rss = line.split()
    rows.setdefault(" ".join(name), []).append((float(rate), int(rss)))
medians = {}
for name, values in rows.items():
    medians[name] = statistics.median(r for r, _ in values)
    print(f"  {name:34} {medians[name]:8.1f} MB/s  peak RSS {max(k for _, k in values) / 1024:6.1f} MiB")
parallel, single = medians.get("get: Downloader, 4 parts"), medians.get("get: getObject(toFile:), 1 stream")
if parallel and single:
    peak = max(k for _, k in rows["get: Downloader, 4 parts"]) / 1024
    print(f"Downloader / single stream: {parallel / single:.2f}x (goal >= 3); Downloader peak RSS {peak:.1f} MiB (goal < 64)")
EOF

# --- 3. Many small objects, processed on the way down.
if [[ ${SKIP_CLI:-0} != 1 ]]; then
  echo
  scripts/benchmark-cli.sh
fi
