#!/usr/bin/env bash
# The whole story in one command, against an embedded local OSS on loopback:
#   installs missing system packages, builds, starts `oss serve` with a generated photo-like
#   examplebucket/example.jpg, runs the circle examples (JPG and PNG), a presigned fetch and
#   save-as, verifies every output offline, prints where the files are, and stops the server
#   on every exit path. Idempotent: each run starts from a fresh folder.
#   OSS_SWIFT_BUILD_FLAGS=...   extra `swift build` flags for `oss` (scripts/test.sh passes its
#                               AddressSanitizer build's); the examples build as a user's would.
#   OSS_EXAMPLES_BUILD_FLAGS=...  extra `swift build` flags for the examples (the same as when
#                               scripts/test.sh built them earlier, or SwiftPM builds them again)
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$(pwd)
out="$root_dir/demo-output"

step() { printf '\n== %s\n' "$*"; }

step "Installing missing system packages"
scripts/bootstrap.sh
echo "ok"

step "Building the SDK, the oss tool and the examples"
read -r -a build_flags <<< "${OSS_SWIFT_BUILD_FLAGS:-}"
swift build "${build_flags[@]}" --product oss 2>&1 | tail -1
oss="$(swift build "${build_flags[@]}" --show-bin-path)/oss"
read -r -a examples_flags <<< "${OSS_EXAMPLES_BUILD_FLAGS:-}"
(cd Examples && swift build "${examples_flags[@]}" 2>&1 | tail -1)
examples="$(cd Examples && swift build "${examples_flags[@]}" --show-bin-path)"

rm -rf "$out"
mkdir -p "$out/server-root"
# Demo credentials, generated for this run: the local OSS checks signatures like the real one.
export OSS_ACCESS_KEY_ID="LTAIdemo$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
export OSS_ACCESS_KEY_SECRET="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
unset OSS_SESSION_TOKEN

step "Starting the embedded local OSS"
"$oss" serve --root "$out/server-root" --bucket examplebucket >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$out/server.log" ]] && break; sleep 0.1; done
endpoint=$(head -1 "$out/server.log")
[[ $endpoint == http://* ]] || { echo "oss serve did not start:"; cat "$out/server.log"; exit 1; }
echo "local OSS at $endpoint (root $out/server-root)"
export OSS_ENDPOINT="$endpoint" OSS_REGION=cn-hangzhou OSS_BUCKET=examplebucket OSS_KEY=example.jpg

step "Uploading a generated photo-like sample as oss://examplebucket/example.jpg"
"$oss" sample "$out/example.jpg" --width 1600 --height 1200 --seed 42
"$oss" put "$out/example.jpg" oss://examplebucket/example.jpg --endpoint "$endpoint"

step "GetObjectCircle: image/circle,r_100 -> JPG with a white background"
OSS_DESTINATION="$out/example-circle.jpg" "$examples/GetObjectCircle"

step "GetObjectCirclePNG: image/circle,r_100/format,png -> transparent corners"
OSS_DESTINATION="$out/example-circle.png" "$examples/GetObjectCirclePNG"

step "PresignCircle: a presigned URL carrying the process, fetched with plain curl"
url=$("$examples/PresignCircle")
echo "${url%%\?*}?x-oss-process=...&x-oss-signature=..."
curl -sS --fail -o "$out/example-circle-presigned.jpg" "$url"
echo "fetched $(wc -c <"$out/example-circle-presigned.jpg") bytes with no header"

step "SaveProcessedImage: crop, then circle, saved as a new object (sys/saveas)"
OSS_DESTINATION="avatars/example-circle.png" "$examples/SaveProcessedImage"
"$oss" get oss://examplebucket/avatars/example-circle.png "$out/saved-circle.png" --endpoint "$endpoint"

step "VerifyCircle: download, then verify offline against the local kernel"
OSS_DESTINATION="$out/example-circle-verified.png" "$examples/VerifyCircle"

step "Verifying every output offline"
"$oss" verify --source "$out/example.jpg" --process image/circle,r_100 "$out/example-circle.jpg"
"$oss" verify --source "$out/example.jpg" --process image/circle,r_100/format,png "$out/example-circle.png"
"$oss" verify --source "$out/example.jpg" --process image/circle,r_100 "$out/example-circle-presigned.jpg"
"$oss" verify --source "$out/example.jpg" --process image/crop,w_400,h_400,g_center/circle,r_150/format,png "$out/saved-circle.png"

step "Done"
cat <<MSG
Files in $out:
  example.jpg                     the generated sample (uploaded as oss://examplebucket/example.jpg)
  example-circle.jpg              GetObjectCircle (white corners)
  example-circle.png              GetObjectCirclePNG (transparent corners)
  example-circle-presigned.jpg    fetched with curl from the presigned URL
  saved-circle.png                the object SaveProcessedImage created on the server
  example-circle-verified.png     what VerifyCircle checked
Checked: signatures by the local OSS, CRC-64 and length of every download, and each image's
format, size, circle coverage (mask IoU) and pixels inside the circle (PSNR) against the local kernel.
MSG
