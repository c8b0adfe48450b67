"""Makes outputs with Pillow, as another implementation of OSS's image actions would, for the
verifier's acceptance tests (Tests/OSSImageTests/PillowVariantTests.swift).

Usage: python pillow_variants.py MANIFEST.json

The manifest is a list of jobs. Each job reads `in`, applies its `steps` in order, and writes
`out` with `save` ({"format": "JPEG"|"PNG"|"WEBP"|"BMP"|"TIFF"|"AVIF", "quality", "subsampling", "progressive"}),
or answers `answer` ("average-hue" | "info") as JSON. The steps follow OSS's documented semantics
with Pillow's own resamplers, filters and encoders, never the Swift kernels' code.
"""
import json
import math
import os
import sys

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

FILTERS = {"lanczos": Image.LANCZOS, "bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR}


def supersampled_mask(size, draw, factor=4):
    """An anti-aliased L mask: `draw(ImageDraw, scale)` paints white at `factor` times the size."""
    big = Image.new("L", (size[0] * factor, size[1] * factor), 0)
    draw(ImageDraw.Draw(big), factor)
    return big.resize(size, Image.BOX)


def with_mask(image, mask):
    out = image.convert("RGBA")
    out.putalpha(mask)
    return out


def circle(image, r):
    # OSS: r is at most (min side - 1) / 2; the square of side 2r + 1 is cut from the centre.
    r = min(r, (min(image.size) - 1) // 2)
    side = 2 * r + 1
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    mask = supersampled_mask((side, side), lambda d, f: d.ellipse((0, 0, side * f - 1, side * f - 1), fill=255))
    return with_mask(square, mask)


def rounded(image, r):
    r = min(r, min(image.size) // 2)
    w, h = image.size
    mask = supersampled_mask((w, h), lambda d, f: d.rounded_rectangle((0, 0, w * f - 1, h * f - 1), radius=r * f, fill=255))
    return with_mask(image, mask)


def bright(value):
    shift = 255 * value / 100
    return lambda v: max(0, min(255, round(v + shift)))


def apply(image, step):
    kind = step["op"]
    if kind == "resize":
        return image.resize(tuple(step["size"]), FILTERS[step.get("filter", "lanczos")])
    if kind == "crop":
        left, top, width, height = step["rect"]
        return image.crop((left, top, left + width, top + height))
    if kind == "fit":  # resize m_fill: cover the box, cut the centre
        return ImageOps.fit(image, tuple(step["size"]), FILTERS[step.get("filter", "lanczos")], centering=(0.5, 0.5))
    if kind == "pad":  # resize m_pad: fit inside the box, centre it on the colour
        box = tuple(step["size"])
        fitted = ImageOps.contain(image, box, FILTERS[step.get("filter", "lanczos")])
        canvas = Image.new("RGB", box, "#" + step["color"])
        offset = step.get("offset", [(box[0] - fitted.width) // 2, (box[1] - fitted.height) // 2])
        canvas.paste(fitted.convert("RGB"), tuple(offset))
        return canvas
    if kind == "rotate":  # clockwise on an enlarged canvas
        fill = step.get("fill", "white")
        if fill == "transparent":
            return image.convert("RGBA").rotate(-step["degrees"], resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0, 0))
        return image.convert("RGB").rotate(-step["degrees"], resample=Image.BICUBIC, expand=True, fillcolor=fill)
    if kind == "turn":  # quarter turns, clockwise
        return image.transpose({90: Image.ROTATE_270, 180: Image.ROTATE_180, 270: Image.ROTATE_90}[step["degrees"]])
    if kind == "exif-transpose":
        return ImageOps.exif_transpose(image)
    if kind == "circle":
        return circle(image, step["r"])
    if kind == "rounded":
        return rounded(image, step["r"])
    if kind == "gaussian":
        return image.filter(ImageFilter.GaussianBlur(step["sigma"]))
    if kind == "unsharp":
        return image.filter(ImageFilter.UnsharpMask(radius=step["radius"], percent=step["percent"], threshold=0))
    if kind == "bright":
        return image.convert("RGB").point(bright(step["value"]))
    if kind == "contrast":  # Pillow's own contrast: a slope about the image's mean grey
        slope = max(0.0, math.tan((step["value"] / 100 + 1) * math.pi / 4))
        return ImageEnhance.Contrast(image.convert("RGB")).enhance(slope)
    if kind == "text":  # a text watermark drawn by Pillow's FreeType, with another font
        out = image.convert("RGB")
        font = ImageFont.truetype(step["font"], step.get("size", 40))
        draw = ImageDraw.Draw(out)
        margin_x, margin_y = step.get("x", 10), step.get("y", 10)
        gravity = step.get("g", "se")
        across = {"w": ("l", margin_x), "e": ("r", out.width - margin_x)}.get(gravity[-1], ("m", out.width // 2))
        down = {"n": ("a", margin_y), "s": ("d", out.height - margin_y)}.get(gravity[0], ("m", out.height // 2))
        if gravity == "center":
            across, down = ("m", out.width // 2), ("m", out.height // 2)
        draw.text((across[1], down[1]), step["text"], fill="#" + step.get("color", "000000"), font=font, anchor=across[0] + down[0])
        return out
    raise ValueError("unknown step " + kind)


def save(image, path, options):
    fmt = options["format"]
    kwargs = {}
    if fmt == "JPEG":
        if image.mode in ("RGBA", "LA", "P"):
            background = Image.new("RGB", image.size, "white")
            background.paste(image.convert("RGBA"), mask=image.convert("RGBA").split()[3])
            image = background
        kwargs = {"quality": options.get("quality", 75), "subsampling": options.get("subsampling", 2),
                  "progressive": options.get("progressive", False)}
    elif fmt in ("WEBP", "AVIF"):
        kwargs = {"quality": options.get("quality", 80)}
    elif fmt == "BMP" and image.mode == "RGBA":
        image = image.convert("RGB")
    image.save(path, fmt, **kwargs)


def answer(image, path, kind, source_path):
    if kind == "average-hue":
        rgb = image.convert("RGB")
        # Pillow's reduce: the mean of a 1x1 box resize of the whole picture.
        r, g, b = rgb.resize((1, 1), Image.BOX).getpixel((0, 0))
        text = json.dumps({"RGB": "0x%02x%02x%02x" % (r, g, b)})
    else:
        fields = {"FileSize": str(os.path.getsize(source_path) + 1234), "Format": {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp"}[image.format],
                  "FrameCount": "1", "ImageHeight": str(image.height), "ImageWidth": str(image.width),
                  "ResolutionUnit": "1", "XResolution": "1/1", "YResolution": "1/1"}
        text = json.dumps({key: {"value": value} for key, value in fields.items()}, indent=4, sort_keys=True)
    with open(path, "w") as out:
        out.write(text)


def main():
    with open(sys.argv[1]) as manifest:
        jobs = json.load(manifest)
    for job in jobs:
        image = Image.open(job["in"])
        image.load()
        if "answer" in job:
            answer(image, job["out"], job["answer"], job["in"])
            continue
        for step in job.get("steps", []):
            image = apply(image, step)
        save(image, job["out"], job["save"])


if __name__ == "__main__":
    main()
