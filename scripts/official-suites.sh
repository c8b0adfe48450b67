#!/usr/bin/env bash
# The official Python SDK v2's own integration suites against a fresh `oss serve`.
#
#   scripts/official-suites.sh DIR [PYTEST-ARGS...]
#
# DIR is a checkout of aliyun/alibabacloud-oss-python-sdk-v2 (tag 1.3.2) outside this repository;
# none of its code is committed here. The suites run from DIR, so they exercise the SDK of that
# checkout (pip-installed, with pytest and aiohttp, into a virtualenv beside it: DIR/../venv).
#
# Every endpoint variable the suites read points at the server. The guard: the server and the
# suites run in a network namespace of their own that has only a loopback interface, so no
# request can leave loopback (one that tries fails to connect), and every proxy variable points
# at a dead loopback port besides.
#
# Prints passed, failed and skipped per test file, then the total over the files this server is
# meant to pass (object, multipart, append, copy, presign, paginator, file-like, image style).
# Without PYTEST-ARGS it runs those files; with them, it passes them to pytest as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
[[ $# -ge 1 && -d $1/tests/integration ]] || { echo "usage: $0 DIR-OF-THE-SDK-CHECKOUT [PYTEST-ARGS...]" >&2; exit 2; }
suite=$(cd "$1" && pwd)
shift
case $suite/ in "$repo"/*) echo "the checkout must live outside this repository" >&2; exit 2 ;; esac

# The virtualenv lives beside the checkout (outside this repository); the checkout itself is
# pip-installed into it, so the suites exercise the SDK of that tag.
venv=${OSS_SUITES_VENV:-$(dirname "$suite")/venv}
if [[ ! -x $venv/bin/python ]]; then python3 -m venv "$venv"; fi
if ! "$venv/bin/python" -c "import alibabacloud_oss_v2, aiohttp, pytest" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$suite" aiohttp pytest
fi
# The same flags as the project build, so that neither build undoes the other.
swift build -Xswiftc -warnings-as-errors --product oss >/dev/null
bin=$(swift build -Xswiftc -warnings-as-errors --show-bin-path)/oss

targets=(
  tests/integration/test_object_basic.py
  tests/integration/test_client_filelike.py
  tests/integration/test_paginator.py
  tests/integration/test_presign.py
  tests/integration/test_bucket_style_client.py
  "tests/integration/test_client.py::TestObjectBasic"
  "tests/integration/test_client.py::TestMultipartUpload"
  "tests/integration/test_client.py::TestPresign"
  "tests/integration/test_client.py::TestPaginator"
  "tests/integration/test_client.py::TestExtension"
  "tests/integration/test_client.py::TestCopier"
  "tests/integration/test_client.py::TestUploader"
  tests/integration/aio/test_object_basic_async.py
  tests/integration/aio/test_multipart_upload_async.py
  tests/integration/aio/test_paginator_async.py
  tests/integration/aio/test_presign_async.py
  tests/integration/aio/test_client_extension_async.py
)
if [[ $# -gt 0 ]]; then targets=("$@"); fi

work=$(mktemp -d)
# OSS_SUITES_KEEP=1 keeps the server's root, its log and pytest's output for a look afterwards.
if [[ ${OSS_SUITES_KEEP:-} == 1 ]]; then echo "keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
report=$work/report.xml

# Inside the namespace: loopback up, the server on a free port, the suites against it.
inner=$(cat <<'EOF'
set -euo pipefail
ip link set lo up
# The proof: this namespace has no interface but loopback, and no route but loopback's.
interfaces=$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
[[ $interfaces == "lo " ]] || { echo "network guard: unexpected interfaces: $interfaces" >&2; exit 1; }
echo "network guard: interfaces: $interfaces; routes: $(ip route show | tr '\n' ';')" >"$WORK/guard"
mkdir -p "$WORK/root"
OSS_ACCESS_KEY_ID=suite-ak OSS_ACCESS_KEY_SECRET=suite-secret "$BIN" serve --root "$WORK/root" --restore-delay 2 >"$WORK/url" 2>"$WORK/server.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $WORK/url ]] && break; sleep 0.1; done
url=$(head -1 "$WORK/url")
[[ $url == http://* ]] || { echo "oss serve did not start: $(cat "$WORK/server.log")" >&2; exit 1; }
dead=http://127.0.0.1:9
cd "$SUITE"
env OSS_TEST_ACCESS_KEY_ID=suite-ak OSS_TEST_ACCESS_KEY_SECRET=suite-secret OSS_TEST_REGION=cn-hangzhou \
    OSS_TEST_ENDPOINT="$url" OSS_TEST_VECTORS_ENDPOINT="$url" OSS_TEST_USER_ID=local \
    http_proxy=$dead https_proxy=$dead HTTP_PROXY=$dead HTTPS_PROXY=$dead ALL_PROXY=$dead all_proxy=$dead \
    NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
    "$PYTHON" -m pytest -q -p no:cacheprovider --junitxml="$WORK/report.xml" "$@" >"$WORK/pytest.log" 2>&1 || true
EOF
)
WORK=$work BIN=$bin SUITE=$suite PYTHON=$venv/bin/python unshare --net bash -c "$inner" suites "${targets[@]}"

cat "$work/guard"
tail -5 "$work/pytest.log"
"$venv/bin/python" - "$report" <<'EOF'
import sys, collections
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
counts = collections.OrderedDict()
failures = []
for case in root.iter("testcase"):
    name = case.get("classname", "") + "::" + case.get("name", "")
    file = case.get("classname", "").rsplit(".", 1)[0]
    row = counts.setdefault(file, [0, 0, 0])
    if case.find("skipped") is not None:
        row[2] += 1
    elif case.find("failure") is not None or case.find("error") is not None:
        row[1] += 1
        node = case.find("failure") if case.find("failure") is not None else case.find("error")
        failures.append((name, (node.get("message") or "").splitlines()[0][:160] if node.get("message") else ""))
    else:
        row[0] += 1
print(f"{'file':60} passed failed skipped")
for file, (p, f, s) in counts.items():
    print(f"{file:60} {p:6} {f:6} {s:7}")
passed = sum(r[0] for r in counts.values())
failed = sum(r[1] for r in counts.values())
skipped = sum(r[2] for r in counts.values())
ran = passed + failed
print(f"{'total':60} {passed:6} {failed:6} {skipped:7}")
if ran:
    print(f"pass rate: {100.0 * passed / ran:.1f}% of {ran} run ({skipped} skipped by the suite itself)")
for name, message in failures:
    print(f"FAILED {name}: {message}")
print(f"{passed} passed, {failed} failed")
EOF
