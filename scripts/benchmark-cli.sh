#!/usr/bin/env bash
# `oss cp -r --process image/circle,r_100` over a prefix of small photo-like JPEGs (default 2,000)
# from a local `oss serve`, beside what a user would do without it: `oss presign` every key once
# (not timed), then curl fetches the presigned URLs, as many at once (--parallel-max) as oss cp's
# --jobs; and the official Python SDK (alibabacloud-oss-v2, from scripts/interop.sh's venv) listing
# the prefix and getting every object with the process on as many threads, writing each file.
# Interleaved rounds (oss, curl, Python, oss...), medians of wall time, objects/s, MiB/s of
# processed output, and each side's peak RSS from /usr/bin/time -f %M. Also the upload of the
# originals (cp -r up) and a second cp -r down with nothing to do (every object skipped as
# identical by size and CRC-64). Figures only; no threshold is asserted here.
#
#   scripts/benchmark-cli.sh                   # 2000 objects, 3 rounds, 8 jobs, the release build
#   COUNT=500 ROUNDS=5 JOBS=4 scripts/benchmark-cli.sh
#   OSS=.build/debug/oss scripts/benchmark-cli.sh   # a build you already have
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-2000} rounds=${ROUNDS:-3} jobs=${JOBS:-8}
process="image/circle,r_100"
if [[ -z ${OSS:-} ]]; then
  swift build -c release --static-swift-stdlib --product oss >/dev/null
  OSS=$(swift build -c release --show-bin-path)/oss
fi
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 1; }
scripts/interop.sh --install-only >/dev/null
python=$PWD/.build/interop-venv/bin/python
work=$(mktemp -d) server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export OSS_ACCESS_KEY_ID=bench-ak OSS_ACCESS_KEY_SECRET=bench-secret
mkdir -p "$work/root"
"$OSS" serve --root "$work/root" --bucket bench >"$work/serve.out" 2>/dev/null &
server=$!
for _ in $(seq 100); do [[ -s $work/serve.out ]] && break; sleep 0.1; done
url=$(head -1 "$work/serve.out")
[[ $url == http://* ]] || { echo "oss serve did not start" >&2; exit 1; }
endpoint=(--endpoint "$url")

# 20 distinct 240x240 photos, each under count/20 names: small objects, as avatars are.
mkdir -p "$work/src"
for seed in $(seq 1 20); do "$OSS" sample "$work/seed-$seed.jpg" --width 240 --height 240 --seed "$seed"; done
for n in $(seq 0 $((count - 1))); do ln "$work/seed-$((n % 20 + 1)).jpg" "$work/src/$(printf 'avatar-%05d.jpg' "$n")"; done
source_bytes=$(du -sb --count-links "$work/src" | cut -f1)

# One timed command: wall seconds and peak RSS (KiB) into $work/t.
timed() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; }

timed "$OSS" cp -r --jobs "$jobs" "$work/src" oss://bench/avatars "${endpoint[@]}"
read -r up_s up_kb <"$work/t"
timed "$OSS" cp -r --jobs "$jobs" "$work/src" oss://bench/avatars "${endpoint[@]}"
read -r skip_up_s skip_up_kb <"$work/t"

# Presigned URLs for curl, made once and not timed (a script would make them in its own language).
: >"$work/curl.cfg"
for n in $(seq 0 $((count - 1))); do
  key=$(printf 'avatar-%05d.jpg' "$n")
  u=$("$OSS" presign "oss://bench/avatars/$key" --process "$process" --expires 86400 "${endpoint[@]}")
  printf 'url = "%s"\noutput = "%s"\n' "$u" "$work/curl-out/$key" >>"$work/curl.cfg"
done

# The Python SDK's side: what a script using the official SDK would do for the same job.
cat >"$work/sdk.py" <<'PY'
import os, sys
from concurrent.futures import ThreadPoolExecutor
import alibabacloud_oss_v2 as oss
endpoint, bucket, prefix, process, out, jobs = sys.argv[1:7]
cfg = oss.config.load_default()
cfg.credentials_provider = oss.credentials.EnvironmentVariableCredentialsProvider()
cfg.region = "cn-hangzhou"
cfg.endpoint = endpoint
cfg.use_path_style = True
client = oss.Client(cfg)
keys = []
for page in client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=bucket, prefix=prefix)):
    keys += [o.key for o in page.contents or []]
os.makedirs(out, exist_ok=True)
def fetch(key):
    result = client.get_object(oss.GetObjectRequest(bucket=bucket, key=key, process=process))
    with open(os.path.join(out, key[len(prefix):]), "wb") as f:
        f.write(result.body.read())
with ThreadPoolExecutor(int(jobs)) as pool:
    list(pool.map(fetch, keys))
print(len(keys))
PY

oss_s=() oss_kb=() curl_s=() curl_kb=() sdk_s=() sdk_kb=()
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/oss-out" "$work/curl-out" "$work/sdk-out"; mkdir -p "$work/curl-out"
  timed "$OSS" cp -r --jobs "$jobs" --process "$process" oss://bench/avatars "$work/oss-out" "${endpoint[@]}"
  read -r s kb <"$work/t"; oss_s+=("$s"); oss_kb+=("$kb")
  timed curl --silent --show-error --fail --parallel --parallel-max "$jobs" --config "$work/curl.cfg"
  read -r s kb <"$work/t"; curl_s+=("$s"); curl_kb+=("$kb")
  timed "$python" "$work/sdk.py" "$url" bench avatars/ "$process" "$work/sdk-out" "$jobs"
  read -r s kb <"$work/t"; sdk_s+=("$s"); sdk_kb+=("$kb")
  echo "round $round: oss cp ${oss_s[-1]} s, curl ${curl_s[-1]} s, Python SDK ${sdk_s[-1]} s" >&2
done
sdk_files=$(find "$work/sdk-out" -type f | wc -l)
[[ $sdk_files == "$count" ]] || { echo "the Python SDK wrote $sdk_files files, not $count" >&2; exit 1; }
cmp -s "$work/oss-out/avatar-00000.jpg" "$work/sdk-out/avatar-00000.jpg" || echo "note: oss cp and the Python SDK's outputs differ for avatar-00000.jpg" >&2
out_bytes=$(du -sb "$work/oss-out" | cut -f1)
files=$(find "$work/oss-out" -type f | wc -l)
[[ $files == "$count" ]] || { echo "oss cp wrote $files files, not $count" >&2; exit 1; }
cmp -s "$work/oss-out/avatar-00000.jpg" "$work/curl-out/avatar-00000.jpg" || echo "note: oss cp and curl outputs differ for avatar-00000.jpg" >&2
timed "$OSS" cp -r --jobs "$jobs" oss://bench/avatars "$work/plain" "${endpoint[@]}"
timed "$OSS" cp -r --jobs "$jobs" oss://bench/avatars "$work/plain" "${endpoint[@]}"
read -r skip_down_s skip_down_kb <"$work/t"

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
row() { # label seconds rss-kib bytes
  awk -v l="$1" -v s="$2" -v kb="$3" -v b="$4" -v n="$count" \
    'BEGIN { printf "%-62s %7.2f s  %7.1f objects/s  %6.2f MiB/s  peak RSS %6.1f MiB\n", l, s, n / s, b / s / 1048576, kb / 1024 }'
}
echo "$count objects of 240x240 JPEG ($((source_bytes / count)) bytes each on average), $jobs at once, oss serve on loopback, $OSS"
row "oss cp -r up (originals)" "$up_s" "$up_kb" "$source_bytes"
row "oss cp -r up again (all skipped: size + CRC-64)" "$skip_up_s" "$skip_up_kb" 0
row "oss cp -r down again (all skipped: size + CRC-64)" "$skip_down_s" "$skip_down_kb" 0
row "oss cp -r --process $process (median of $rounds)" "$(median "${oss_s[@]}")" "$(max "${oss_kb[@]}")" "$out_bytes"
row "curl --parallel on presigned URLs (median of $rounds)" "$(median "${curl_s[@]}")" "$(max "${curl_kb[@]}")" "$out_bytes"
row "Python SDK get_object(process=) on $jobs threads (median of $rounds)" "$(median "${sdk_s[@]}")" "$(max "${sdk_kb[@]}")" "$out_bytes"
awk -v o="$(median "${oss_s[@]}")" -v c="$(median "${curl_s[@]}")" -v p="$(median "${sdk_s[@]}")" \
  'BEGIN { printf "oss cp / curl time: %.2fx; oss cp / Python SDK time: %.2fx (below 1 is faster)\n", o / c, o / p }'
