"""Pillow and pyvips doing OSS's circle crop, each timed in-process (best of N runs).

Usage: circle_python.py CASES_JSON
CASES_JSON: [{"name": ..., "path": ..., "radius": ..., "format": "jpg"|"png", "quality": 85}, ...]
Prints one JSON object: {"pillow": {name: {"seconds": s, "bytes": n}}, "pyvips": {...}, "versions": {...}}.
The work timed is the whole job from the encoded source in memory: decode, circle, encode.
"""
import io
import json
import sys
import time

import PIL
import pyvips
from PIL import Image, ImageDraw


def geometry(width, height, radius):
    r = min(radius, (min(width, height) - 1) // 2)
    side = 2 * r + 1
    return r, side, (width - side) // 2, (height - side) // 2


def pillow_circle(data, radius, fmt, quality):
    image = Image.open(io.BytesIO(data))
    r, side, ox, oy = geometry(image.width, image.height, radius)
    square = image.crop((ox, oy, ox + side, oy + side))
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, side - 1, side - 1), fill=255)
    out = io.BytesIO()
    if fmt == "jpg":
        canvas = Image.new("RGB", (side, side), (255, 255, 255))
        canvas.paste(square, (0, 0), mask)
        canvas.save(out, "JPEG", quality=quality)
    else:
        square = square.convert("RGBA")
        square.putalpha(mask)
        square.save(out, "PNG", compress_level=6)
    return out.getvalue()


def vips_circle(data, radius, fmt, quality):
    image = pyvips.Image.new_from_buffer(data, "", access="sequential")
    r, side, ox, oy = geometry(image.width, image.height, radius)
    square = image.crop(ox, oy, side, side)
    xy = pyvips.Image.xyz(side, side)
    mask = ((xy[0] - r) ** 2 + (xy[1] - r) ** 2 <= r * r).ifthenelse(255, 0).cast("uchar")
    if fmt == "jpg":
        return mask.ifthenelse(square, [255, 255, 255]).jpegsave_buffer(Q=quality)
    return square.bandjoin(mask).pngsave_buffer(compression=6)


def best(function, data, case, runs):
    timings = []
    output = b""
    for _ in range(runs):
        start = time.perf_counter()
        output = function(data, case["radius"], case["format"], case.get("quality", 85))
        timings.append(time.perf_counter() - start)
    return {"seconds": min(timings), "bytes": len(output)}


def main():
    cases = json.loads(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    pyvips.cache_set_max(0)
    result = {"pillow": {}, "pyvips": {}, "versions": {"pillow": PIL.__version__, "libvips": pyvips.version(0) and
              f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"}}
    for case in cases:
        data = open(case["path"], "rb").read()
        result["pillow"][case["name"]] = best(pillow_circle, data, case, runs)
        result["pyvips"][case["name"]] = best(vips_circle, data, case, runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
