#!/usr/bin/env bash
# The whole story in one command. Today it installs what is missing and builds the SDK; the local
# OSS server and the image kernels it will run the circle examples against are still being built.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build
cat <<'MSG'
Built the OSS library (signing, credentials, endpoints).

Not yet in the demo: starting the embedded local OSS with a sample examplebucket/example.jpg,
running the circle examples (JPG and PNG) and a presigned fetch, and verifying the outputs
offline. Those steps arrive with `oss serve`, the client transport and OSSImage.
MSG
