#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the build needs, when they are missing.
# Idempotent and quiet when everything is there; uses sudo only when not root.
set -euo pipefail

# Each entry is "package" or "alternative1|alternative2" (the first that apt knows is installed).
PACKAGES=(
  pkg-config
  libssl-dev            # OpenSSL libcrypto: HMAC, SHA-256, MD5
  libcurl4-openssl-dev  # libcurl, the default HTTP transport
  liblzma-dev           # liblzma: CRC-64/ECMA-182, the checksum OSS uses
  libjpeg-dev           # libjpeg-turbo (libjpeg62-turbo-dev on Debian, libjpeg-turbo8-dev on Ubuntu)
  libpng-dev            # PNG decoding
  libisal-dev           # ISA-L igzip: fast, parallelisable deflate for PNG encoding
  zlib1g-dev            # zlib: Adler-32 combination for PNG bands (and libpng's own inflate)
  libwebp-dev           # WebP
  libgif-dev            # giflib: GIF frames in and out
  libtiff-dev           # libtiff: TIFF strips and tiles, every photometric
  libheif-dev           # libheif: HEIC (Debian's libheif1 brings libde265 to decode and x265 to encode)
  libavif-dev           # libavif: AVIF (Debian's libavif15 brings dav1d to decode and aom to encode)
  libfreetype-dev       # FreeType: rasterises watermark text
  libharfbuzz-dev       # HarfBuzz: shapes watermark text (CJK, marks, kerning)
  fonts-wqy-zenhei      # OSS's wqy-zenhei (the default watermark font); also fangzhengheiti's stand-in
  fonts-wqy-microhei    # OSS's wqy-microhei
  fonts-droid-fallback  # OSS's droidsansfallback
  fonts-arphic-uming    # stand-in for fangzhengshusong and fangzhengfangsong (Song/Ming face)
  fonts-arphic-ukai     # stand-in for fangzhengkaiti (Kai face)
  fonts-dejavu-core     # the watermark's last fallback: Latin, Greek, Cyrillic, symbols
  curl                  # the demo fetches a presigned URL with plain curl
  time                  # GNU time: scripts/benchmark-image.sh reads a whole process's peak RSS from it
  tmux                  # the command-line tests run `oss cp` and `oss rm -r` in a real pseudo-terminal
)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r -a alternatives <<<"$entry"
  found=""
  for candidate in "${alternatives[@]}"; do
    if installed "$candidate"; then found=1; break; fi
  done
  [[ -n $found ]] || missing+=("${alternatives[0]}")
done

# The interop test installs the official Python SDK into a virtualenv: it needs python3 with
# venv and ensurepip (Debian ships those in python3-venv).
if ! command -v python3 >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
elif ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "bootstrap: missing packages (${missing[*]}) and no apt-get here; install them by hand." >&2
  exit 1
fi
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "bootstrap: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
