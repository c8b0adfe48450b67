"""One resumable download with the official Python SDK (alibabacloud-oss-v2), for
scripts/benchmark-transfer.sh: 4 parts in flight, 8 MiB parts, a checkpoint, the CRC-64 checked.
Prints `seconds BYTES MB/s` like `OSSBenchmarks get`.

    python_resumable_download.py ENDPOINT BUCKET KEY PATH CHECKPOINT_DIR   (keys from the environment)
"""
import os
import sys
import time

import alibabacloud_oss_v2 as oss

endpoint, bucket, key, path, checkpoint_dir = sys.argv[1:6]
cfg = oss.config.load_default()
cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(os.environ["OSS_ACCESS_KEY_ID"], os.environ["OSS_ACCESS_KEY_SECRET"])
cfg.region = "cn-hangzhou"
cfg.endpoint = endpoint
cfg.use_path_style = True
client = oss.Client(cfg)
downloader = client.downloader(part_size=8 << 20, parallel_num=4, enable_checkpoint=True, checkpoint_dir=checkpoint_dir)
start = time.monotonic()
result = downloader.download_file(oss.GetObjectRequest(bucket=bucket, key=key), path)
seconds = time.monotonic() - start
print(f"{seconds:.3f} {result.written} {result.written / seconds / 1e6:.1f}")
