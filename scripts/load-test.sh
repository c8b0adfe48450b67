#!/usr/bin/env bash
# Small requests while image work is queued: starts a release-built `oss serve` on a temporary
# folder holding a generated photo, keeps IMAGE_CLIENTS image requests in flight (200 by default,
# each client asking again as soon as it has its answer), and meanwhile times 1-byte GETs on a
# connection of their own. Prints the small GETs' p50/p99/max, image throughput, the 503 count and
# the server's peak RSS. Python 3 standard library only.
#
#   scripts/load-test.sh                       # 200 image clients for 20 s
#   IMAGE_CLIENTS=400 DURATION=30 scripts/load-test.sh --image-workers 1
#
# Extra arguments go to `oss serve`. The queue is sized so that every client's request is really in
# flight (queued or running) unless --image-queue says otherwise; the server's default queue (16
# per worker) would answer most of them 503 SlowDown at once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
clients=${IMAGE_CLIENTS:-200}
duration=${DURATION:-20}
process=${IMAGE_PROCESS:-image/circle,r_200}

swift build -c release --static-swift-stdlib --product oss >/dev/null
bin=$(swift build -c release --show-bin-path)/oss
root=$(mktemp -d)
out=$(mktemp)
export OSS_ACCESS_KEY_ID=load-ak OSS_ACCESS_KEY_SECRET=load-secret
"$bin" serve --root "$root" --bucket load --public-read load --image-queue $((clients + 56)) "$@" >"$out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$root" "$out"' EXIT
for _ in $(seq 100); do [[ -s $out ]] && break; sleep 0.1; done
url=$(head -1 "$out")
[[ $url == http://* ]] || { echo "oss serve did not start: $(cat "$out")" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$root" "$out" "$work"' EXIT
"$bin" sample "$work/photo.jpg" --width 1200 --height 800 --seed 7
printf '!' >"$work/tiny.bin"
"$bin" put "$work/photo.jpg" oss://load/photo.jpg --endpoint "$url" --path-style >/dev/null
"$bin" put "$work/tiny.bin" oss://load/tiny.bin --endpoint "$url" --path-style >/dev/null

echo "oss serve (release) at $url, pid $server; $(nproc) cores; $clients image clients for ${duration} s; process $process"
python3 - "$url" "$server" "$clients" "$duration" "$process" <<'PY'
import asyncio, multiprocessing, socket, sys, time, urllib.parse

url, pid, clients, duration, process = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
image_target = "/load/photo.jpg?x-oss-process=" + urllib.parse.quote(process, safe="")

def read_response(sock_file):
    """Status and body of one HTTP/1.1 response with a Content-Length."""
    status = int(sock_file.readline().split()[1])
    length = 0
    while True:
        line = sock_file.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, sock_file.read(length)

def probe(stop_at, results):
    """1-byte GETs, one after another on a kept-alive connection of their own, every 10 ms."""
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = sock.makefile("rb")
    request = b"GET /load/tiny.bin HTTP/1.1\r\nHost: %s\r\n\r\n" % host.encode()
    latencies = []
    while time.monotonic() < stop_at:
        start = time.perf_counter()
        sock.sendall(request)
        status, body = read_response(f)
        latencies.append(time.perf_counter() - start)
        assert status == 200 and body == b"!", (status, body)
        time.sleep(0.01)
    results.put(latencies)

async def image_client(counts):
    """One image request at a time on a kept-alive connection; after a 503, wait Retry-After.
    Runs until cancelled: its connection then closes, and the server drops its job."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        await image_requests(reader, writer, counts)
    finally:
        writer.close()

async def image_requests(reader, writer, counts):
    request = b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (image_target.encode(), host.encode())
    while True:
        writer.write(request)
        status_line = await reader.readline()
        if not status_line:
            counts["closed"] += 1
            return
        status = int(status_line.split()[1])
        length, retry_after = 0, 1
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "retry-after":
                retry_after = int(value)
        await reader.readexactly(length)
        if status == 200:
            counts["ok"] += 1
        elif status == 503:
            counts["503"] += 1
            await asyncio.sleep(retry_after)
        else:
            counts["other"] += 1

def peak_rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

results = multiprocessing.Queue()
counts = {"ok": 0, "503": 0, "other": 0, "closed": 0}

async def main():
    # The load first, so that the probe measures a server already full of image work; the
    # window (probe and throughput) starts a second later and lasts `duration`.
    clients_running = [asyncio.create_task(image_client(counts)) for _ in range(clients)]
    await asyncio.sleep(1.0)
    for key in counts:
        counts[key] = 0
    start = time.monotonic()
    prober = multiprocessing.Process(target=probe, args=(start + duration, results))
    prober.start()
    await asyncio.sleep(duration)
    done = dict(counts)
    elapsed = time.monotonic() - start
    for task in clients_running:
        task.cancel()
    await asyncio.gather(*clients_running, return_exceptions=True)
    return done, elapsed, prober

counts, elapsed, prober = asyncio.run(main())
# Read before joining: a child that has queued data does not end until it is read.
latencies = sorted(results.get())
prober.join()

def percentile(p):
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

print(f"1-byte GET while {clients} image requests are in flight: {len(latencies)} requests, "
      f"p50 {percentile(50):.1f} ms, p99 {percentile(99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")
print(f"image requests answered 200 in the {elapsed:.1f} s window: {counts['ok']} = {counts['ok'] / elapsed:.1f}/s; "
      f"503 SlowDown: {counts['503']}; other statuses: {counts['other']}; closed: {counts['closed']}")
print(f"oss serve peak RSS: {peak_rss_mib():.0f} MiB")
PY
