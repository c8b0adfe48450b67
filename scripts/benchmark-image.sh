#!/usr/bin/env bash
# The image engine beside Pillow and pyvips: the common OSS jobs on the same generated photo-like
# JPEGs, in one run, interleaved (ours, Pillow, pyvips, ours as a whole `oss image` process, again),
# medians, each side's time, the ratio to the faster of Pillow and pyvips, and peak RSS; then the
# memory row (a thumbnail of 8000x6000), `oss --help`'s start-up, and `oss serve` under load.
# Pillow and pyvips (with its bundled libvips) are installed into .build/bench-venv for this only.
#
#   scripts/benchmark-image.sh                 # everything, 5 runs a job
#   scripts/benchmark-image.sh --runs 9
#   scripts/benchmark-image.sh --only resize   # the jobs whose name holds "resize" (no extra rows)
#   SERVE=0 scripts/benchmark-image.sh         # without the serve load
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh >/dev/null
venv=.build/bench-venv
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -c "import PIL, pyvips" 2>/dev/null || "$venv/bin/pip" install --quiet --disable-pip-version-check pillow "pyvips[binary]"
swift build -c release --static-swift-stdlib --product oss >/dev/null
swift build -c release --static-swift-stdlib --product OSSBenchmarks >/dev/null
bin=$(swift build -c release --show-bin-path)
"$bin/OSSBenchmarks" image --python "$venv/bin/python" "$@"
[[ ${SERVE:-1} == 0 || " $* " == *" --only "* ]] && exit 0

# oss serve under load: 16 distinct 4000x3000 sources, resize,w_200 each, with 1, 2 and 16
# clients each keeping one request in flight. Goal: 2 clients >= 1.7x the requests/s of 1.
# Twice: as `oss serve` starts (one core a request), and with --image-cores 0 (a request alone
# spreads over every core: sooner alone, about the same requests/s under load, so a 2 / 1 ratio
# near 1).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 0 15); do
  "$bin/oss" sample "$work/src-$i.jpg" --width 4000 --height 3000 --seed $((100 + i)) >/dev/null
done
export OSS_ACCESS_KEY_ID=bench-ak OSS_ACCESS_KEY_SECRET=bench-secret
serve_load() {
  local root out server url
  root=$(mktemp -d) out=$(mktemp)
  "$bin/oss" serve --root "$root" --bucket bench --public-read bench "$@" >"$out" 2>&1 &
  server=$!
  for _ in $(seq 100); do [[ -s $out ]] && break; sleep 0.1; done
  url=$(head -1 "$out")
  if [[ $url != http://* ]]; then echo "oss serve did not start: $(cat "$out")" >&2; kill $server; return 1; fi
  for i in $(seq 0 15); do "$bin/oss" put "$work/src-$i.jpg" "oss://bench/src-$i.jpg" --endpoint "$url" --path-style >/dev/null; done
  python3 - "$url" "$server" "${*:-(as it starts)}" <<'PY'
import http.client, sys, threading, time, urllib.parse
url, pid, flags = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port

def peak_rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

def load(clients, total):
    """`clients` threads, each one request in flight on a kept-alive connection, `total` in all."""
    lock, counter, failures = threading.Lock(), [0], []
    def client():
        connection = http.client.HTTPConnection(host, port, timeout=120)
        while True:
            with lock:
                if counter[0] >= total:
                    return
                n = counter[0]; counter[0] += 1
            connection.request("GET", f"/bench/src-{n % 16}.jpg?x-oss-process=image%2Fresize%2Cw_200")
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or body[:2] != b"\xff\xd8":
                failures.append(response.status)
    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    return total / (time.perf_counter() - start), len(failures)

load(2, 8)  # warm up
rates = {}
for clients, total in ((1, 48), (2, 64), (16, 96)):
    rate, failed = load(clients, total)
    rates[clients] = rate
    print(f"oss serve {flags}: {clients:2d} clients, {total} x resize,w_200 of distinct 4000x3000 sources: {rate:6.1f} requests/s, {failed} failed")
scaling = rates[2] / rates[1]
verdict = f"(goal >= 1.7x) {'ok' if scaling >= 1.7 else 'MISS'}" if flags == "(as it starts)" else "(no goal: a lone request on every core)"
print(f"oss serve {flags}: 2 clients / 1 client = {scaling:.2f}x {verdict}; server peak RSS {peak_rss():.1f} MiB")
PY
  kill $server; wait $server 2>/dev/null || true
  rm -rf "$root" "$out"
}
serve_load
serve_load --image-cores 0
