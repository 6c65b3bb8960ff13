#!/usr/bin/env python3
"""The contract's 5-variant job done by the reference libraries, for bench/run.

Same outputs as the service: thumbnail 245x156, small 500x500, medium 750x750, large
1000x1000 (fit inside, never upscaled, source format kept: JPEG Q80 optimized, PNG level 6
with alpha) and the full-size WebP (Q80, effort/method 4), metadata stripped.

  reference_variants.py serve LIB          read "job PATH" / "webp PATH" lines on stdin, answer
                                           one JSON line each {"wall": s, "cpu": s, "sizes": {...}}
  reference_variants.py throughput LIB PATH COUNT PROCESSES
                                           COUNT jobs over PROCESSES processes: {"imagesPerSecond", ...}
LIB is pyvips (best practice: shrink-on-load with thumbnail_buffer per variant) or pillow
(draft + thumbnail: JPEG decoded at reduced DCT scale for the resized variants, one full
decode for the WebP; formats without draft are decoded once and shared).
"""
import io
import json
import multiprocessing
import os
import sys
import time

BOXES = [("large", 1000, 1000), ("medium", 750, 750), ("small", 500, 500), ("thumbnail", 245, 156)]
JPEG_Q = 80
WEBP_Q = 80
WEBP_EFFORT = 4
PNG_LEVEL = 6


# -- pyvips --------------------------------------------------------------------------------

def pyvips_setup():
    import pyvips
    # A long-running process, like a server: no operation cache.
    pyvips.cache_set_max(0)
    return pyvips


def pyvips_job(pyvips, data, webp_only=False):
    sizes = {}
    header = pyvips.Image.new_from_buffer(data, "")
    is_png = data[:8] == b"\x89PNG\r\n\x1a\n"
    if not webp_only:
        for name, width, height in BOXES:
            # Shrink-on-load where the format has it (JPEG), autorotate, sRGB, never upscale.
            image = pyvips.Image.thumbnail_buffer(data, width, height=height, size="down")
            if is_png:
                out = image.pngsave_buffer(compression=PNG_LEVEL, filter="all", strip=True)
            else:
                if image.hasalpha():
                    image = image.flatten(background=[255, 255, 255])
                out = image.jpegsave_buffer(Q=JPEG_Q, optimize_coding=True, strip=True)
            sizes[name] = len(out)
    full = pyvips.Image.thumbnail_buffer(data, header.width * 2, height=header.height * 2, size="down")
    sizes["original_webp"] = len(full.webpsave_buffer(Q=WEBP_Q, effort=WEBP_EFFORT, strip=True))
    return sizes


# -- Pillow --------------------------------------------------------------------------------

def pillow_setup():
    from PIL import Image
    return Image


def pillow_job(Image, data, webp_only=False):
    from PIL import ImageOps
    sizes = {}
    if not webp_only:
        source = Image.open(io.BytesIO(data))
        fmt = source.format
        if fmt == "JPEG":
            # DCT-domain downscale while decoding, to no less than the largest box.
            source.draft("RGB", (BOXES[0][1], BOXES[0][2]))
        current = ImageOps.exif_transpose(source)
        keep_alpha = fmt == "PNG" and current.mode in ("RGBA", "LA", "P")
        current = current.convert("RGBA" if keep_alpha else "RGB")
        for name, width, height in BOXES:
            current = current.copy()
            current.thumbnail((width, height), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            if fmt == "PNG":
                current.save(buffer, "PNG", compress_level=PNG_LEVEL)
            else:
                current.save(buffer, "JPEG", quality=JPEG_Q, optimize=True)
            sizes[name] = buffer.getbuffer().nbytes
    full = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    full = full.convert("RGBA" if full.mode in ("RGBA", "LA", "P") else "RGB")
    buffer = io.BytesIO()
    full.save(buffer, "WEBP", quality=WEBP_Q, method=WEBP_EFFORT)
    sizes["original_webp"] = buffer.getbuffer().nbytes
    return sizes


LIBS = {"pyvips": (pyvips_setup, pyvips_job), "pillow": (pillow_setup, pillow_job)}


def cpu_now():
    t = os.times()
    return t.user + t.system


def timed(lib, module, data, webp_only=False):
    start, cpu = time.perf_counter(), cpu_now()
    sizes = LIBS[lib][1](module, data, webp_only)
    return {"wall": time.perf_counter() - start, "cpu": cpu_now() - cpu, "sizes": sizes}


def serve(lib):
    module = LIBS[lib][0]()
    cache = {}
    for line in sys.stdin:
        command, _, path = line.strip().partition(" ")
        if command not in ("job", "webp"):
            continue
        if path not in cache:
            cache[path] = open(path, "rb").read()
        result = timed(lib, module, cache[path], webp_only=command == "webp")
        print(json.dumps(result), flush=True)


_worker = {}


def _init(lib, path):
    _worker["lib"] = lib
    _worker["module"] = LIBS[lib][0]()
    _worker["data"] = open(path, "rb").read()
    LIBS[lib][1](_worker["module"], _worker["data"])   # warm-up, outside the timed part


def _one(_):
    return timed(_worker["lib"], _worker["module"], _worker["data"])["wall"]


def throughput(lib, path, count, processes):
    with multiprocessing.get_context("fork").Pool(processes, initializer=_init, initargs=(lib, path)) as pool:
        # Every process warmed up before the clock starts.
        pool.map(time.sleep, [0.2] * processes, chunksize=1)
        start = time.perf_counter()
        walls = pool.map(_one, range(count), chunksize=1)
        elapsed = time.perf_counter() - start
    return {"images": count, "seconds": elapsed, "imagesPerSecond": count / elapsed, "processes": processes,
            "perImageWall": sorted(walls)[len(walls) // 2]}


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "throughput":
        print(json.dumps(throughput(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))))
    else:
        sys.exit(__doc__)
