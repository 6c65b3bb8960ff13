#!/usr/bin/env python3
"""Writes the small image fixtures of Tests/ImagingTests/Fixtures (needs Pillow: pip install Pillow).

Each file exercises one rule of the variant contract; all are a few KB. Bombs, truncated and
random files are built inside the tests from these.
"""
import io
import pathlib

from PIL import Image, ImageDraw

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "ImagingTests" / "Fixtures"

XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
       b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="fixture-author"/>'
       b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def orientation6_with_gps():
    """Stored 400x200 with a red top-left corner; EXIF orientation 6 (display = rotate 90° clockwise),
    so the displayed image is 200x400 with the red corner at the top right. Carries GPS, XMP."""
    image = Image.new("RGB", (400, 200), (0, 0, 255))
    ImageDraw.Draw(image).rectangle([0, 0, 79, 39], fill=(255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "FixtureCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 30.0)
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.0)
    image.save(OUT / "orientation6-gps.jpg", quality=90, exif=exif, xmp=XMP)
    # The same as a progressive JPEG: the variant pipeline decodes those once, in full.
    image.save(OUT / "orientation6-progressive.jpg", quality=90, exif=exif, xmp=XMP, progressive=True)


def cmyk():
    """A CMYK JPEG of pure process red (C0 M100 Y100 K0) on the left, white on the right."""
    image = Image.new("CMYK", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([0, 0, 149, 199], fill=(0, 255, 255, 0))
    image.save(OUT / "cmyk.jpg", quality=90)


def alpha_png():
    """600x400 RGBA: left half fully transparent, right half opaque green."""
    image = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([300, 0, 599, 399], fill=(0, 200, 0, 255))
    image.save(OUT / "alpha.png", optimize=True)


def rgba_tiff():
    """A TIFF with alpha: resized variants must become PNG."""
    image = Image.new("RGBA", (320, 200), (255, 255, 0, 128))
    image.save(OUT / "alpha.tiff", compression="tiff_deflate")


def frames():
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    result = []
    for index, colour in enumerate(colours):
        frame = Image.new("RGB", (300, 200), colour)
        ImageDraw.Draw(frame).rectangle([10 + 40 * index, 10, 50 + 40 * index, 50], fill=(255, 255, 255))
        result.append(frame)
    return result


def animated_gif():
    first, *rest = frames()
    first.save(OUT / "animated.gif", save_all=True, append_images=rest, duration=100, loop=0)


def animated_webp():
    first, *rest = frames()
    first.save(OUT / "animated.webp", save_all=True, append_images=rest, duration=100, loop=0, quality=60)


def small_jpeg():
    """300x200: smaller than every box but the thumbnail's."""
    image = Image.new("RGB", (300, 200))
    image.putdata([(x % 256, y % 256, (x + y) % 256) for y in range(200) for x in range(300)])
    image.save(OUT / "small-300.jpg", quality=85)


def avif():
    """AVIF without alpha: resized variants must become JPEG (through libvips' heif loader)."""
    image = Image.new("RGB", (320, 240), (200, 30, 30))
    ImageDraw.Draw(image).rectangle([0, 0, 159, 239], fill=(30, 30, 200))
    image.save(OUT / "photo.avif", quality=50)


def pdf_and_svg():
    (OUT / "document.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    (OUT / "drawing.svg").write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        b'<script>alert(1)</script><rect width="200" height="100" fill="red"/></svg>\n')


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (orientation6_with_gps, cmyk, alpha_png, rgba_tiff, animated_gif, animated_webp, small_jpeg, avif, pdf_and_svg):
        make()
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")
