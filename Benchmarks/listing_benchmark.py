"""Listing speed of `oss serve` with many keys, measured through the official Python SDK.

Run by scripts/benchmark-listing.sh, which starts the server. `upload N` puts N small objects
(in folders of 100) and prints the time of: a full ListObjectsV2 walk by pages of 1000 and of
100, a delimiter listing of the top level, and one page from the middle of the key range.
`first N` (after a restart) times the first listing, which rebuilds the index from the files.
"""
import concurrent.futures
import sys
import time

import alibabacloud_oss_v2 as oss

endpoint, bucket, access_key_id, access_key_secret, mode, count = sys.argv[1:7]
count = int(count)

cfg = oss.config.load_default()
cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(access_key_id, access_key_secret)
cfg.region = "cn-hangzhou"
cfg.endpoint = endpoint
cfg.use_path_style = True
cfg.retry_max_attempts = 1
client = oss.Client(cfg)

keys = [f"folder-{i // 100:05d}/item-{i % 100:03d}.bin" for i in range(count)]


def put(key):
    client.put_object(oss.PutObjectRequest(bucket=bucket, key=key, body=key.encode()))


if mode == "first":
    started = time.perf_counter()
    result = client.list_objects_v2(oss.ListObjectsV2Request(bucket=bucket, max_keys=1000))
    assert len(result.contents) == min(count, 1000)
    print(f"after restart: first page of 1000 (index rebuilt from {count} object files): {(time.perf_counter() - started) * 1000:.0f} ms")
    sys.exit(0)

started = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(put, keys))
print(f"upload:       {count} objects in {time.perf_counter() - started:.1f} s")


def walk(max_keys, delimiter=None):
    token, pages, seen = None, 0, 0
    started = time.perf_counter()
    while True:
        result = client.list_objects_v2(oss.ListObjectsV2Request(bucket=bucket, max_keys=max_keys, continuation_token=token, delimiter=delimiter))
        pages += 1
        seen += len(result.contents or []) + len(result.common_prefixes or [])
        if not result.is_truncated:
            break
        token = result.next_continuation_token
    elapsed = time.perf_counter() - started
    return seen, pages, elapsed


for max_keys in (1000, 100):
    seen, pages, elapsed = walk(max_keys)
    assert seen == count, (seen, count)
    print(f"list all:     {seen} keys in {pages} pages of {max_keys}: {elapsed * 1000:.0f} ms ({elapsed / pages * 1000:.1f} ms a page)")
seen, pages, elapsed = walk(1000, delimiter="/")
print(f"delimiter /:  {seen} common prefixes in {pages} pages: {elapsed * 1000:.0f} ms")
started = time.perf_counter()
rounds = 50
for _ in range(rounds):
    client.list_objects_v2(oss.ListObjectsV2Request(bucket=bucket, max_keys=100, start_after=keys[count // 2]))
print(f"one page:     100 keys from the middle: {(time.perf_counter() - started) / rounds * 1000:.1f} ms a request")
