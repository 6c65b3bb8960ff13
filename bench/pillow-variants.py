#!/usr/bin/env python3
"""The same 5-variant job with Pillow, for comparison: decode once (EXIF transpose), four
fit-inside JPEG variants (Q80) derived largest first, full-size WebP (Q80, method 4)."""
import io
import statistics
import sys
import time

from PIL import Image, ImageOps

BOXES = [("large", 1000, 1000), ("medium", 750, 750), ("small", 500, 500), ("thumbnail", 245, 156)]


def job(data, method):
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    out = {}
    current = image
    for name, width, height in BOXES:
        current = current.copy()
        current.thumbnail((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        current.save(buffer, "JPEG", quality=80, optimize=True)
        out[name] = buffer.getbuffer().nbytes
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=80, method=method)
    out["original_webp"] = buffer.getbuffer().nbytes
    return out


def webp_only(data, method):
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=80, method=method)


def median(function, *args, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    data = open(sys.argv[1], "rb").read()
    method = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    job(data, method)
    print(f"pillow {Image.__version__}: full-size webp alone {median(webp_only, data, method, runs=runs):.3f} s")
    print(f"pillow {Image.__version__}: whole 5-variant job {median(job, data, method, runs=runs):.3f} s  {job(data, method)}")
