"""The hostile input corpus: files, multipart bodies, JSON documents, query strings, object
keys and raw HTTP that a stranger may send. Everything is generated here from a few lines
(nothing large is kept in the repository); test_hostile.py sends each case and checks the
answer. A case is (name, category, send, statuses): `send(ctx)` performs the request and
returns (status, headers, body bytes); `statuses` are the 4xx the contract wants."""
import gzip
import io
import json
import socket
import ssl
import struct
import urllib.parse
import zlib

from PIL import Image

from media_helpers import ORG
from support import BASE_URL, CA_CERT, DEMO_KEY, api

UPLOAD = "/api/v1/media/upload"


# --- image bytes ------------------------------------------------------------------------

def _noise_image(mode, width, height, fmt, **save):
    image = Image.effect_noise((width, height), 64).convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_bytes(width=400, height=300):
    return _noise_image("RGB", width, height, "JPEG", quality=85)


def png_bytes(width=400, height=300):
    return _noise_image("RGB", width, height, "PNG")


def gif_bytes(width=200, height=150):
    return _noise_image("P", width, height, "GIF")


def webp_bytes(width=400, height=300):
    return _noise_image("RGB", width, height, "WEBP", quality=80)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_from_parts(width, height, idat, bit_depth=8, colour_type=2, extra=b""):
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def png_deflate_bomb():
    """A 20000x20000 1-bit PNG: ~50 KB on the wire, 50 MB inflated, 400 megapixels decoded."""
    row = b"\x00" + b"\x00" * (20000 // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(20000)) + compressor.flush()
    return png_from_parts(20000, 20000, idat, bit_depth=1, colour_type=0)


def png_bad_crc():
    data = bytearray(png_bytes())
    idat = data.find(b"IDAT")
    data[idat + 100] ^= 0xFF   # inside the compressed data: the chunk's CRC no longer matches
    return bytes(data)


def jpeg_with_sof(width, height):
    data = bytearray(jpeg_bytes(16, 16))
    marker = data.find(b"\xff\xc0")
    data[marker + 5:marker + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_bogus_huffman():
    data = bytearray(jpeg_bytes())
    marker = data.find(b"\xff\xc4")
    length = struct.unpack(">H", data[marker + 2:marker + 4])[0]
    data[marker + 5:marker + 21] = b"\xff" * 16   # code counts summing far past 256: a bogus table
    assert length > 21
    return bytes(data)


def gif_with_screen(width, height):
    return (b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"
            + b"," + struct.pack("<HHHH", 0, 0, width, height) + b"\x00" + b"\x02\x02\x44\x01\x00" + b";")


def gif_bad_lzw():
    return (b"GIF89a" + struct.pack("<HH", 10, 10) + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
            + b"," + struct.pack("<HHHH", 0, 0, 10, 10) + b"\x00" + b"\x0f\x05\xff\xff\xff\xff\xff\x00" + b";")


def webp_vp8l(width, height):
    """A lossless WebP whose header declares width x height, followed by junk."""
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 32
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_corrupt():
    """A lossy WebP whose VP8 key frame has a broken start code: the bitstream is undecodable.
    (Flipping entropy-coded bytes is not enough: VP8 has no checksum and decodes garbage.)"""
    data = bytearray(webp_bytes())
    chunk = data.find(b"VP8 ")
    assert chunk == 12, "PIL writes a simple lossy WebP"
    start_code = chunk + 8 + 3
    assert data[start_code:start_code + 3] == b"\x9d\x01\x2a"
    data[start_code:start_code + 3] = b"\x00\x00\x00"
    return bytes(data)


def gzip_bomb():
    return gzip.compress(b"\x00" * (64 << 20), compresslevel=9)


SCRIPT = b"<script>alert(document.domain)</script>"


# --- multipart by hand ------------------------------------------------------------------

def part(name, value, filename=None, content_type=None, raw_headers=None):
    if raw_headers is None:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        raw_headers = f"Content-Disposition: {disposition}\r\n"
        if content_type:
            raw_headers += f"Content-Type: {content_type}\r\n"
        raw_headers = raw_headers.encode()
    return raw_headers, value


def multipart(parts, boundary="hostileboundary", closing=True):
    body = b""
    for headers, value in parts:
        body += b"--" + boundary.encode() + b"\r\n" + headers + b"\r\n" + value + b"\r\n"
    if closing:
        body += b"--" + boundary.encode() + b"--\r\n"
    return body


def standard_parts(file_bytes=None, filename="a.jpg"):
    return [part("orgSlug", ORG.encode()), part("file", file_bytes or jpeg_bytes(64, 64), filename=filename)]


# --- senders ----------------------------------------------------------------------------

def answer(response):
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content


def upload_file(data, filename="photo.jpg", **fields):
    def send(ctx):
        form = {"orgSlug": ORG, "generateVariants": "true", **fields}
        return answer(api("POST", UPLOAD, files={"file": (filename, data() if callable(data) else data,
                                                          "application/octet-stream")}, data=form))
    return send


def post_multipart(body, content_type="multipart/form-data; boundary=hostileboundary"):
    def send(ctx):
        payload = body() if callable(body) else body
        return answer(api("POST", UPLOAD, data=payload, headers={"Content-Type": content_type}))
    return send


def json_body(method, path, body):
    """`body` is bytes, a JSON-able value, or a function of the context giving one of those."""
    def send(ctx):
        value = body(ctx) if callable(body) else body
        data = value if isinstance(value, bytes) else json.dumps(value).encode()
        return answer(api(method, path(ctx) if callable(path) else path, data=data,
                          headers={"Content-Type": "application/json"}))
    return send


def get(path, params=None, headers=None):
    def send(ctx):
        p = params(ctx) if callable(params) else params
        return answer(api("GET", path(ctx) if callable(path) else path, params=p, headers=headers))
    return send


def raw_path(method, path_and_query):
    """A request line sent as is (no client-side quoting or normalisation)."""
    def send(ctx):
        target = path_and_query(ctx) if callable(path_and_query) else path_and_query
        request = (f"{method} {target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {DEMO_KEY}\r\n"
                   "Connection: close\r\n\r\n").encode()
        return raw_http(request)
    return send


def raw_request(data):
    def send(ctx):
        return raw_http(data(ctx) if callable(data) else data)
    return send


def raw_http(request_bytes, timeout=20):
    """Sends bytes over TLS and parses the one response (status, headers, body)."""
    parsed = urllib.parse.urlsplit(BASE_URL)
    context = ssl.create_default_context(cafile=CA_CERT)
    with socket.create_connection((parsed.hostname, parsed.port or 443), timeout=timeout) as plain:
        with context.wrap_socket(plain, server_hostname=parsed.hostname) as sock:
            sock.sendall(request_bytes)
            received = b""
            while True:
                try:
                    chunk = sock.recv(65536)
                except (ConnectionResetError, ssl.SSLError):
                    break
                if not chunk:
                    break
                received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        decoded, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            decoded, rest = decoded + rest[:size], rest[size + 2:]
        body = decoded
    return status, headers, body


def key_of(ctx, name="original"):
    return ctx["target"]["objectKey"] if name == "original" else ctx["target"]["variants"][0]["objectKey"]


def crop(**fields):
    return json_body("POST", "/api/v1/media/crop", lambda ctx: {"objectKey": key_of(ctx), **fields})


# --- the corpus ---------------------------------------------------------------------------

CASES = [
    # Truncated and corrupt images: they claim a type by their magic, then cannot be decoded.
    ("jpeg-truncated-in-header", "corrupt image", upload_file(lambda: jpeg_bytes()[:20]), {422}),
    ("jpeg-truncated-before-eoi", "corrupt image", upload_file(lambda: jpeg_bytes()[:-4000]), {422}),
    ("jpeg-bogus-huffman-table", "corrupt image", upload_file(jpeg_bogus_huffman), {422}),
    ("jpeg-zero-height", "corrupt image", upload_file(lambda: jpeg_with_sof(640, 0)), {422}),
    ("png-truncated", "corrupt image", upload_file(lambda: png_bytes()[:3000], filename="p.png"), {422}),
    ("png-idat-crc-mismatch", "corrupt image", upload_file(png_bad_crc, filename="p.png"), {422}),
    ("png-signature-only", "corrupt image", upload_file(b"\x89PNG\r\n\x1a\n", filename="p.png"), {422}),
    ("gif-truncated", "corrupt image", upload_file(lambda: gif_bytes()[:30], filename="g.gif"), {422}),
    ("gif-invalid-lzw-code-size", "corrupt image", upload_file(gif_bad_lzw, filename="g.gif"), {422}),
    ("webp-truncated", "corrupt image", upload_file(lambda: webp_bytes()[:60], filename="w.webp"), {422}),
    ("webp-corrupt-bitstream", "corrupt image", upload_file(webp_corrupt, filename="w.webp"), {422}),
    # Pixel bombs: a few bytes declaring gigapixels, refused on the header.
    ("jpeg-64250x64250", "pixel bomb", upload_file(lambda: jpeg_with_sof(64250, 64250)), {422}),
    ("png-2147483647-square", "pixel bomb",
     upload_file(lambda: png_from_parts(0x7FFFFFFF, 0x7FFFFFFF, zlib.compress(b"\x00" * 64)), filename="p.png"), {422}),
    ("png-50000-square", "pixel bomb",
     upload_file(lambda: png_from_parts(50000, 50000, zlib.compress(b"\x00" * 64)), filename="p.png"), {422}),
    ("gif-65535-square", "pixel bomb", upload_file(lambda: gif_with_screen(65535, 65535), filename="g.gif"), {422}),
    ("webp-16384-square", "pixel bomb", upload_file(lambda: webp_vp8l(16384, 16384), filename="w.webp"), {422}),
    # Compression bombs in disguise.
    ("png-deflate-bomb-400-megapixels", "zip bomb", upload_file(png_deflate_bomb, filename="p.png"), {422}),
    ("gzip-named-jpg", "zip bomb", upload_file(gzip_bomb, filename="photo.jpg"), {415}),
    ("zip-named-png", "zip bomb", upload_file(b"PK\x03\x04" + b"\x00" * 200, filename="photo.png"), {415}),
    # Markup named as an image: never stored, whatever the name says.
    ("html-bom-named-jpg", "markup", upload_file(b"\xef\xbb\xbf  <!DOCTYPE html><html>" + SCRIPT), {415}),
    ("svg-script-named-png", "markup", upload_file(
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>", filename="a.png"), {415}),
    ("svg-onload-named-gif", "markup", upload_file(b"<svg onload=alert(1) xmlns='http://www.w3.org/2000/svg'/>",
                                                    filename="a.gif"), {415}),
    ("xhtml-named-webp", "markup", upload_file(
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>' + SCRIPT + b"</body></html>",
        filename="a.webp"), {415}),
    ("elf-binary-named-jpg", "markup", upload_file(b"\x7fELF\x02\x01\x01" + b"\x00" * 120), {415}),
    ("empty-file", "markup", upload_file(b""), {415}),
    # Polyglots: valid (or valid-looking) images and PDFs that are also HTML or script.
    ("jpeg-with-html-appended", "polyglot", upload_file(lambda: jpeg_bytes() + b"<html><body>" + SCRIPT), {415}),
    ("png-with-script-in-text-chunk", "polyglot", upload_file(
        lambda: png_from_parts(8, 8, zlib.compress((b"\x00" + b"\x00" * 24) * 8),
                               extra=png_chunk(b"tEXt", b"Comment\x00" + SCRIPT)), filename="p.png"), {415}),
    ("gif-javascript-polyglot", "polyglot", upload_file(
        b"GIF89a/*\x00\x00\x00\x00*/=1;alert(document.domain);//" + b"\x00" * 32, filename="x.gif"), {415, 422}),
    ("pdf-html-polyglot", "polyglot", upload_file(
        b"%PDF-1.4\n1 0 obj<<>>endobj\n<html><body>" + SCRIPT + b"</body></html>\n%%EOF", filename="doc.pdf"), {415}),
    ("html-then-pdf-header", "polyglot", upload_file(
        b"<!doctype html><p>" + SCRIPT + b"\n%PDF-1.4\n%%EOF", filename="doc.pdf"), {415}),
    # Multipart framing.
    ("multipart-wrong-boundary", "multipart", post_multipart(lambda: multipart(standard_parts(), boundary="another")), {400}),
    ("multipart-missing-final-boundary", "multipart", post_multipart(lambda: multipart(standard_parts(), closing=False)), {400}),
    ("multipart-no-boundary-parameter", "multipart",
     post_multipart(lambda: multipart(standard_parts()), content_type="multipart/form-data"), {400}),
    ("multipart-boundary-71-characters", "multipart",
     post_multipart(lambda: multipart(standard_parts(), boundary="b" * 71),
                    content_type="multipart/form-data; boundary=" + "b" * 71), {400}),
    ("multipart-duplicate-orgslug", "multipart",
     post_multipart(lambda: multipart([part("orgSlug", ORG.encode())] + standard_parts())), {400}),
    ("multipart-two-files", "multipart",
     post_multipart(lambda: multipart(standard_parts() + [part("file", jpeg_bytes(8, 8), filename="b.jpg")])), {400}),
    ("multipart-10000-fields", "multipart",
     post_multipart(lambda: multipart([part("alt", b"x")] * 10000 + standard_parts())), {400}),
    ("multipart-64kb-part-header", "multipart", post_multipart(lambda: multipart(
        [part("alt", b"x", raw_headers=b'Content-Disposition: form-data; name="alt"\r\nX-Pad: ' + b"a" * 65536 + b"\r\n")]
        + standard_parts())), {400}),
    ("multipart-not-form-data", "multipart", post_multipart(lambda: multipart(
        [part("orgSlug", ORG.encode(), raw_headers=b'Content-Disposition: attachment; name="orgSlug"\r\n')]
        + standard_parts()[1:])), {400}),
    ("multipart-unterminated-quoted-filename", "multipart", post_multipart(lambda: multipart(
        [part("orgSlug", ORG.encode()),
         part("file", b"x", raw_headers=b'Content-Disposition: form-data; name="file"; filename="a.jpg\r\n')])), {400}),
    ("multipart-part-headers-invalid-utf8", "multipart", post_multipart(lambda: multipart(
        [part("orgSlug", ORG.encode()),
         part("file", jpeg_bytes(8, 8), raw_headers=b'Content-Disposition: form-data; name="file"; filename="\xff\xfe.jpg"\r\n')])),
     {400}),
    ("multipart-field-invalid-utf8", "multipart",
     post_multipart(lambda: multipart([part("alt", b"\xc3\x28\xff")] + standard_parts())), {400}),
    ("multipart-nul-in-field", "nul", post_multipart(lambda: multipart([part("caption", b"a\x00b")] + standard_parts())), {400}),
    ("multipart-nul-in-filename", "nul", post_multipart(lambda: multipart(
        [part("orgSlug", ORG.encode()),
         part("file", jpeg_bytes(8, 8), raw_headers=b'Content-Disposition: form-data; name="file"; filename="evil.php\x00.jpg"\r\n')])),
     {400}),
    ("multipart-unknown-field", "multipart", post_multipart(lambda: multipart([part("objectKey", b"x")] + standard_parts())), {400}),
    ("multipart-json-body", "multipart", json_body("POST", UPLOAD, {"orgSlug": ORG, "file": "x"}), {400}),
    # Oversized HTTP: nginx refuses first, still in the JSON envelope.
    ("header-of-64kb", "http", get("/api/v1/media/list", headers={"X-Filler": "a" * 65536}), {400}),
    ("forty-headers-of-1kb", "http", get("/api/v1/media/list", headers={f"X-Filler-{n}": "a" * 1024 for n in range(40)}), {400}),
    ("request-line-of-16kb", "http", raw_path("GET", "/api/v1/media/list?search=" + "a" * 16384), {400}),
    ("nul-byte-in-header", "http", raw_request(
        f"GET /api/v1/media/list HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {DEMO_KEY}\r\nX-Evil: a\x00b\r\n"
        "Connection: close\r\n\r\n".encode()), {400}),
    ("garbage-request-line", "http", raw_request(b"\x16\x03\x01\x02 / HTTP/1.1\r\nHost: localhost\r\n\r\n"), {400}),
    # JSON documents.
    ("json-100000-nested-arrays", "json", json_body("POST", "/api/v1/media/batch", b'{"ids":' + b"[" * 100000 + b"]" * 100000 + b"}"), {400}),
    ("json-100000-nested-objects", "json", json_body("POST", "/api/v1/media/batch", b'{"a":' * 100000 + b"1" + b"}" * 100000), {400}),
    ("json-ids-wrong-type", "json", json_body("POST", "/api/v1/media/batch", {"ids": 123}), {400}),
    ("json-ids-array-of-objects", "json", json_body("POST", "/api/v1/media/batch", {"ids": [{"id": "x"}]}), {400}),
    ("json-crop-width-string", "json", crop(width="100", height=10), {400}),
    ("json-crop-x-fraction", "json", crop(x=1.5, width=10, height=10), {400}),
    ("json-crop-scale-overflow", "json", json_body("POST", "/api/v1/media/crop",
                                                   lambda ctx: b'{"objectKey":"%s","width":1,"height":1,"scale":1e999}'
                                                   % key_of(ctx).encode()), {400}),
    ("json-patch-isprivate-string", "json", json_body("PATCH", lambda ctx: f"/api/v1/media/{ctx['target']['id']}",
                                                      {"isPrivate": "true"}), {400}),
    ("json-presigned-size-negative", "json", json_body("POST", "/api/v1/media/upload/presigned",
                                                       {"orgSlug": ORG, "filename": "a.jpg", "size": -1}), {400}),
    ("json-duplicate-member", "json", json_body("POST", "/api/v1/media/batch", b'{"ids":["a"],"ids":["b"]}'), {400}),
    ("json-trailing-garbage", "json", json_body("POST", "/api/v1/media/batch", b'{"ids":["a"]} {"ids":["b"]}'), {400}),
    ("json-invalid-utf8", "json", json_body("POST", "/api/v1/media/batch", b'{"ids":["\xff\xfe"]}'), {400}),
    ("json-lone-surrogate", "json", json_body("POST", "/api/v1/media/batch", b'{"ids":["\\ud800"]}'), {400}),
    ("json-nul-in-alt", "nul", json_body("PATCH", lambda ctx: f"/api/v1/media/{ctx['target']['id']}",
                                         {"alt": "a\u0000b"}), {400}),
    ("json-nul-in-presigned-filename", "nul", json_body("POST", "/api/v1/media/upload/presigned",
                                                        {"orgSlug": ORG, "filename": "evil.php\u0000.jpg"}), {400}),
    ("json-nul-in-object-key", "nul", json_body("POST", "/api/v1/media/variants",
                                                lambda ctx: {"objectKey": key_of(ctx) + "\u0000"}), {400}),
    ("json-alt-3000-characters", "long string", json_body("PATCH", lambda ctx: f"/api/v1/media/{ctx['target']['id']}",
                                                          {"alt": "é" * 3000}), {400}),
    ("json-object-key-100kb", "long string", json_body("POST", "/api/v1/media/crop",
                                                       {"objectKey": "a" * 100000, "width": 1, "height": 1}), {400}),
    ("json-body-over-json-limit", "long string", json_body("PATCH", lambda ctx: f"/api/v1/media/{ctx['target']['id']}",
                                                           {"description": "x" * (2 << 20)}), {413}),
    # Crop rectangles and numbers out of range.
    ("crop-outside-the-image", "crop", crop(x=600, y=0, width=100, height=10), {422}),
    ("crop-larger-than-the-image", "crop", crop(width=100000, height=100000), {422}),
    ("crop-x-at-int-max", "crop", crop(x=2 ** 63 - 1, y=0, width=1, height=1), {422}),
    ("crop-y-at-int-max-and-huge-height", "crop", crop(x=0, y=2 ** 63 - 1, width=1, height=2 ** 63 - 1), {422}),
    ("crop-x-beyond-int64", "crop", crop(x=2 ** 64, width=1, height=1), {400}),
    ("crop-negative-x", "crop", crop(x=-1, width=10, height=10), {400}),
    ("crop-zero-width", "crop", crop(width=0, height=10), {400}),
    ("crop-rotate-45", "crop", crop(width=10, height=10, rotate=45), {400}),
    ("crop-quality-1000", "crop", crop(width=10, height=10, quality=1000), {400}),
    # Query strings: numbers, NUL, SQL/LIKE and MIME metacharacters.
    ("list-limit-negative", "query", get("/api/v1/media/list", {"limit": "-5"}), {400}),
    ("list-limit-exponent", "query", get("/api/v1/media/list", {"limit": "1e2"}), {400}),
    ("list-limit-nul", "nul", get("/api/v1/media/list", {"limit": "5\x00"}), {400}),
    ("list-offset-huge", "query", get("/api/v1/media/list", {"offset": "1000000000000"}), {400}),
    ("list-offset-not-a-number", "query", get("/api/v1/media/list", {"offset": "ten"}), {400}),
    ("list-search-nul", "nul", get("/api/v1/media/list", {"search": "a\x00' OR 1=1 --"}), {400}),
    ("list-search-300-characters", "long string", get("/api/v1/media/list", {"search": "%_" * 150}), {400}),
    ("list-type-sql", "query", get("/api/v1/media/list", {"type": "image/' OR '1'='1"}), {400}),
    ("presign-expiry-negative", "query", get("/api/v1/media/presign", lambda ctx: {"objectKey": key_of(ctx), "expiry": "-1"}), {400}),
    ("presign-expiry-huge", "query",
     get("/api/v1/media/presign", lambda ctx: {"objectKey": key_of(ctx), "expiry": "99999999999999999999"}), {400}),
    # Object keys and paths: traversal, absolute, unicode, NUL, foreign buckets.
    ("object-key-dot-dot", "object key", get("/api/v1/media/presign", {"objectKey": f"{ORG}/../other-org/original.jpg"}), {400}),
    ("object-key-absolute", "object key",
     get("/api/v1/media/presign", lambda ctx: {"objectKey": "/" + key_of(ctx)}), {400}),
    ("object-key-unicode", "object key",
     get("/api/v1/media/variants/info", lambda ctx: {"objectKey": key_of(ctx).replace("original", "örigînal")}), {400}),
    ("object-key-nul-in-query", "nul",
     get("/api/v1/media/presign", lambda ctx: {"objectKey": key_of(ctx) + "\x00.html"}), {400}),
    ("object-key-encoded-dot-dot-in-path", "object key",
     raw_path("GET", lambda ctx: f"/api/v1/media/download/media/{ORG}/%2e%2e/{ctx['target']['id']}/original.jpg"), {400, 404}),
    ("object-key-nul-in-path", "nul",
     raw_path("GET", lambda ctx: f"/api/v1/media/download/media/{key_of(ctx)}%00.html"), {400, 404}),
    ("bucket-not-configured", "object key",
     get("/api/v1/media/presign", lambda ctx: {"objectKey": key_of(ctx), "bucket": "../etc"}), {400}),
    ("variant-folder-traversal", "object key",
     raw_path("GET", lambda ctx: f"/api/v1/media/variant/media/thumbnail/{ORG}/..%2f..%2f{ctx['target']['id']}"), {400, 404}),
    ("variant-unknown-name-with-nul", "nul",
     raw_path("GET", lambda ctx: f"/api/v1/media/variant/media/thumb%00nail/{ORG}/{ctx['target']['id']}"), {400}),
    ("delete-id-nul", "nul", raw_path("DELETE", "/api/v1/media/?id=%00"), {404}),
    ("delete-object-key-unicode-traversal", "object key",
     raw_path("DELETE", f"/api/v1/media/?objectKey={ORG}/%E2%80%AE..%2F..%2Foriginal.jpg"), {400}),
    ("media-id-path-traversal", "object key", raw_path("GET", "/api/v1/media/..%2f..%2fetc%2fpasswd"), {404}),
]

CODES = {400: {"validation_error"}, 404: {"not_found"}, 413: {"payload_too_large"},
         415: {"unsupported_media_type"}, 422: {"invalid_image", "invalid_crop"}}
