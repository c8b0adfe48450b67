"""Pillow and pyvips doing the image benchmark's jobs, one job per request, timed in-process.

A worker: reads one JSON request a line on stdin, answers one JSON line on stdout, so that the
Swift side can interleave our runs with theirs (A B A B) in one run.
  {"lib": "pillow"|"pyvips", "path": ..., "op": {...}}  ->  {"seconds": s, "bytes": n, "rss_mib": m}
  {"versions": true}                                     ->  {"pillow": ..., "libvips": ...}
The job timed is the whole of it from the encoded source in memory: decode, work, encode. Peak RSS
is the process's VmHWM over the job alone (reset through /proc/self/clear_refs before it), so it
includes the interpreter and the libraries, as a whole process of ours does.
Settings match ours: JPEG and WebP at quality 90 (the circle rows at 85, as in circle_python.py),
Lanczos resampling (Pillow's LANCZOS, libvips's thumbnail default lanczos3) with each library's
shrink-on-load (Pillow's draft through Image.thumbnail, libvips's thumbnail_buffer).
"""
import io
import json
import sys
import time

import PIL
import pyvips
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from circle_python import pillow_circle, vips_circle

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
TEXT = "Hello 图片服务!"


def save_pillow(image, fmt, quality):
    out = io.BytesIO()
    if fmt == "jpg":
        image.convert("RGB").save(out, "JPEG", quality=quality)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality)
    else:
        image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def save_vips(image, fmt, quality):
    if fmt == "jpg":
        return image.jpegsave_buffer(Q=quality)
    if fmt == "webp":
        return image.webpsave_buffer(Q=quality)
    return image.pngsave_buffer(compression=6)


def tone(value, b, c):
    # OSS's bright adds b; contrast stretches around the middle by (100 + c) / 100.
    return (value + b - 128) * (100 + c) / 100 + 128


def pillow_job(data, op):
    kind, fmt, q = op["kind"], op.get("format", "jpg"), op.get("quality", 90)
    if kind == "circle":
        return pillow_circle(data, op["radius"], fmt, q)
    image = Image.open(io.BytesIO(data))
    if kind == "resize":
        image.thumbnail((op["w"], op["w"] * image.height // image.width + 1), Image.LANCZOS)
    elif kind == "fill":
        side = op["w"]
        scale = side / min(image.width, image.height)
        image.draft("RGB", (int(image.width * scale * 2), int(image.height * scale * 2)))
        image = image.resize((round(image.width * side / min(image.size)), round(image.height * side / min(image.size))), Image.LANCZOS)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side))
    elif kind == "rotate90":
        image = image.transpose(Image.Transpose.ROTATE_270)
    elif kind == "rotate":
        image = image.rotate(-op["degrees"], resample=Image.BILINEAR, expand=True, fillcolor=(255, 255, 255))
    elif kind == "sharpen":
        image = image.filter(ImageFilter.UnsharpMask(radius=1, percent=100, threshold=0))
    elif kind == "blur":
        image = image.filter(ImageFilter.GaussianBlur(radius=op["sigma"]))
    elif kind == "tone":
        b, c = op["bright"], op["contrast"]
        image = image.point([max(0, min(255, round(tone(v, b, c)))) for v in range(256)] * 3)
    elif kind == "text":
        image = image.convert("RGB")
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype(FONT, op["size"])
        box = draw.textbbox((0, 0), TEXT, font=font)
        draw.text((image.width - box[2] - 10, image.height - box[3] - 10), TEXT, font=font, fill=(0, 0, 0))
    elif kind == "format":
        image.load()
    return save_pillow(image, fmt, q)


def vips_job(data, op):
    kind, fmt, q = op["kind"], op.get("format", "jpg"), op.get("quality", 90)
    if kind == "circle":
        return vips_circle(data, op["radius"], fmt, q)
    if kind == "resize":
        image = pyvips.Image.thumbnail_buffer(data, op["w"], height=10_000_000)
    elif kind == "fill":
        image = pyvips.Image.thumbnail_buffer(data, op["w"], height=op["w"], crop="centre")
    else:
        image = pyvips.Image.new_from_buffer(data, "", access="sequential" if kind not in ("rotate90", "rotate") else "random")
    if kind == "rotate90":
        image = image.rot90()
    elif kind == "rotate":
        image = image.rotate(op["degrees"], background=[255, 255, 255])
    elif kind == "sharpen":
        image = image.sharpen()
    elif kind == "blur":
        image = image.gaussblur(op["sigma"])
    elif kind == "tone":
        b, c = op["bright"], op["contrast"]
        k = (100 + c) / 100
        image = image.linear([k, k, k], [(b - 128) * k + 128] * 3).cast("uchar")
    elif kind == "text":
        text = pyvips.Image.text(TEXT, fontfile=FONT, font="WenQuanYi Zen Hei %d" % op["size"], dpi=72)
        overlay = text.new_from_image([0, 0, 0]).bandjoin(text).copy(interpretation="srgb")
        image = image.composite2(overlay, "over", x=image.width - text.width - 10, y=image.height - text.height - 10).flatten()
    return save_vips(image, fmt, q)


def rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    pyvips.cache_set_max(0)
    sources = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("versions"):
            answer = {"pillow": PIL.__version__, "libvips": "%d.%d.%d" % (pyvips.version(0), pyvips.version(1), pyvips.version(2))}
        else:
            path = request["path"]
            if path not in sources:
                sources[path] = open(path, "rb").read()
            job = pillow_job if request["lib"] == "pillow" else vips_job
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
            start = time.perf_counter()
            output = job(sources[path], request["op"])
            answer = {"seconds": time.perf_counter() - start, "bytes": len(output), "rss_mib": rss_mib()}
        print(json.dumps(answer), flush=True)


main()
