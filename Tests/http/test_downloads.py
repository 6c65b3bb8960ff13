"""Downloads through nginx: presigned GET URLs and the streaming download endpoint
(contract: "Downloads", "Object-key rules"), including a 200 MB object whose transfer must
leave the serving worker's memory flat."""
import hashlib
import os
import re
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
import uuid

import pytest
import requests

from support import DEMO_KEY, api, children, mediactl, stackctl, wait_for
from media_helpers import s3

DEMO_ORG = os.environ.get("MEDIA_DEMO_ORG", "demo")
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ImagingTests", "Fixtures")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def upload(content, filename, key=DEMO_KEY, org=DEMO_ORG, **fields):
    form = {"orgSlug": org, **{k: str(v).lower() for k, v in fields.items()}}
    response = api("POST", "/api/v1/media/upload", key=key, files={"file": (filename, content)}, data=form, timeout=300)
    assert response.status_code == 201, response.text
    return response.json()["media"]


def download_path(media_or_bucket, object_key=None):
    if object_key is None:
        media_or_bucket, object_key = media_or_bucket["bucket"], media_or_bucket["objectKey"]
    return f"/api/v1/media/download/{media_or_bucket}/{object_key}"


def assert_envelope(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["requestId"] == response.headers["X-Request-Id"]
    return body


@pytest.fixture(scope="module")
def jpeg_bytes():
    with open(os.path.join(FIXTURES, "small-300.jpg"), "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def image(jpeg_bytes):
    return upload(jpeg_bytes, "plage d'été 日本.jpg", generateVariants=True)


@pytest.fixture(scope="module")
def other_key():
    """A key of a second organization, for isolation checks."""
    slug = "dl-other-" + uuid.uuid4().hex[:8]
    mediactl("org", "create", slug)
    return slug, mediactl("key", "create", "--org", slug).stdout.strip().splitlines()[-1]


# --- presign ---------------------------------------------------------------------------

def test_presign_defaults_to_an_hour_and_the_url_serves_the_bytes(image, jpeg_bytes):
    before = time.time()
    response = api("GET", "/api/v1/media/presign", params={"objectKey": image["objectKey"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"url", "expiresAt", "expiresIn"}
    assert body["expiresIn"] == 3600
    assert RFC3339.match(body["expiresAt"])
    expires_at = time.mktime(time.strptime(body["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert before + 3600 - 5 <= expires_at <= time.time() + 3600 + 5
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(body["url"]).query)
    assert query["X-Amz-Expires"] == ["3600"]
    fetched = requests.get(body["url"], timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == jpeg_bytes
    # The browser saves it under the original name.
    assert "filename*=UTF-8''plage%20d%27%C3%A9t%C3%A9%20%E6%97%A5%E6%9C%AC.jpg" in fetched.headers["Content-Disposition"]


def test_presign_takes_an_expiry_and_works_for_variants_and_private_media(image, jpeg_bytes):
    thumbnail = next(v for v in image["variants"] if v["name"] == "thumbnail")
    response = api("GET", "/api/v1/media/presign", params={"objectKey": thumbnail["objectKey"], "bucket": "media", "expiry": "60"})
    assert response.status_code == 200, response.text
    assert response.json()["expiresIn"] == 60
    assert requests.get(response.json()["url"], timeout=30).content[:2] == b"\xff\xd8"

    private = upload(jpeg_bytes, "secret.jpg", isPrivate=True)
    assert private["bucket"] != image["bucket"]
    response = api("GET", "/api/v1/media/presign", params={"objectKey": private["objectKey"], "expiry": "86400"})
    assert response.status_code == 200, response.text
    assert f"/{private['bucket']}/" in response.json()["url"] or response.json()["url"].startswith(f"https://{private['bucket']}.")
    assert requests.get(response.json()["url"], timeout=30).content == jpeg_bytes


@pytest.mark.parametrize("expiry", ["0", "86401", "abc", "-5", "1.5", ""])
def test_presign_expiry_out_of_range_is_400(image, expiry):
    response = api("GET", "/api/v1/media/presign", params={"objectKey": image["objectKey"], "expiry": expiry})
    assert assert_envelope(response, 400, "validation_error")["error"]["details"]["field"] == "expiry"


def test_a_tampered_presigned_url_is_refused(image):
    url = api("GET", "/api/v1/media/presign", params={"objectKey": image["objectKey"]}).json()["url"]
    assert requests.get(url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200"), timeout=30).status_code == 403


def test_presign_only_for_the_callers_objects(image, other_key):
    _, key = other_key
    assert_envelope(api("GET", "/api/v1/media/presign", key=key, params={"objectKey": image["objectKey"]}), 404, "not_found")
    unknown = f"{DEMO_ORG}/{uuid.uuid4()}/original.jpg"
    assert_envelope(api("GET", "/api/v1/media/presign", params={"objectKey": unknown}), 404, "not_found")
    assert_envelope(api("GET", "/api/v1/media/presign", params={"objectKey": image["objectKey"], "bucket": "media-private"}),
                    404, "not_found")
    assert_envelope(api("GET", "/api/v1/media/presign", params={"objectKey": image["objectKey"], "bucket": "nope-bucket"}),
                    400, "validation_error")
    for bad in ["../etc/passwd", f"{DEMO_ORG}//original.jpg", "/" + image["objectKey"], image["objectKey"] + "\x01"]:
        response = api("GET", "/api/v1/media/presign", params={"objectKey": bad})
        assert response.status_code in (400, 404), (bad, response.text)
    assert_envelope(api("GET", "/api/v1/media/presign"), 400, "validation_error")
    assert api("GET", "/api/v1/media/presign", key=None, params={"objectKey": image["objectKey"]}).status_code == 401


# --- download --------------------------------------------------------------------------

def test_download_streams_the_object_with_its_headers(image, jpeg_bytes):
    response = api("GET", download_path(image))
    assert response.status_code == 200, response.text
    assert response.content == jpeg_bytes
    headers = response.headers
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Length"] == str(len(jpeg_bytes))
    assert re.match(r'^(W/)?"[^"]+"$', headers["ETag"])
    assert headers["Last-Modified"].endswith(" GMT")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Accept-Ranges"] == "bytes"
    assert "nosniff" in headers["X-Content-Type-Options"]
    assert headers["X-Request-Id"]
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("inline; ")
    assert 'filename="plage d\'_t_ __.jpg"' in disposition
    assert "filename*=UTF-8''plage%20d%27%C3%A9t%C3%A9%20%E6%97%A5%E6%9C%AC.jpg" in disposition


def test_head_gives_the_headers_without_the_body(image, jpeg_bytes):
    response = api("HEAD", download_path(image))
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(jpeg_bytes))
    assert response.content == b""


def test_variants_download_under_a_derived_name(image):
    thumbnail = next(v for v in image["variants"] if v["name"] == "thumbnail")
    response = api("GET", download_path(image["bucket"], thumbnail["objectKey"]))
    assert response.status_code == 200, response.text
    assert len(response.content) == thumbnail["size"]
    assert response.headers["Content-Type"] == thumbnail["mimeType"]
    assert "%E6%97%A5%E6%9C%AC-thumbnail.jpg" in response.headers["Content-Disposition"]


def test_range_requests_are_206_with_content_range(image, jpeg_bytes):
    size = len(jpeg_bytes)
    for header, first, last in [("bytes=0-99", 0, 99), ("bytes=100-", 100, size - 1), ("bytes=-50", size - 50, size - 1),
                                (f"bytes=10-{size + 1000}", 10, size - 1)]:
        response = api("GET", download_path(image), headers={"Range": header})
        assert response.status_code == 206, (header, response.text)
        assert response.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert response.headers["Content-Length"] == str(last - first + 1)
        assert response.content == jpeg_bytes[first:last + 1]


def test_unsatisfiable_range_is_416_with_the_size(image, jpeg_bytes):
    response = api("GET", download_path(image), headers={"Range": f"bytes={len(jpeg_bytes)}-"})
    assert_envelope(response, 416, "range_not_satisfiable")
    assert response.headers["Content-Range"] == f"bytes */{len(jpeg_bytes)}"


def test_malformed_or_multiple_ranges_are_ignored(image, jpeg_bytes):
    for header in ["bytes=abc", "bytes=5-1", "bytes=0-1,4-5", "lines=1-2"]:
        response = api("GET", download_path(image), headers={"Range": header})
        assert response.status_code == 200, header
        assert response.content == jpeg_bytes


def test_if_none_match_is_304_without_a_body(image):
    etag = api("HEAD", download_path(image)).headers["ETag"]
    headers = [etag, f'"nope", {etag}', "*"]
    # Weak comparison is the service's; in X-Accel mode S3 compares, and SeaweedFS does not.
    if os.environ.get("DOWNLOAD_ACCEL_REDIRECT", "false") not in ("true", "1"):
        headers.append("W/" + etag)
    for header in headers:
        response = api("GET", download_path(image), headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["ETag"] == etag
    assert api("GET", download_path(image), headers={"If-None-Match": '"other"'}).status_code == 200


def test_private_media_are_cached_privately(jpeg_bytes):
    private = upload(jpeg_bytes, "private.jpg", isPrivate=True)
    response = api("GET", download_path(private))
    assert response.status_code == 200, response.text
    assert response.content == jpeg_bytes
    assert response.headers["Cache-Control"].startswith("private")
    # The other bucket does not hold it.
    assert_envelope(api("GET", download_path("media" if private["bucket"] != "media" else "media-private", private["objectKey"])),
                    404, "not_found")


def test_non_images_are_attachments_in_a_sandbox():
    pdf = b"%PDF-1.4\n" + os.urandom(3000) + b"\n%%EOF\n"
    media = upload(pdf, "notes.pdf")
    response = api("GET", download_path(media))
    assert response.status_code == 200, response.text
    assert response.content == pdf
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_another_organizations_object_is_404(image, other_key):
    _, key = other_key
    assert_envelope(api("GET", download_path(image), key=key), 404, "not_found")
    assert api("GET", download_path(image), key=None).status_code == 401


def test_unknown_objects_and_buckets(image):
    assert_envelope(api("GET", download_path("media", f"{DEMO_ORG}/{uuid.uuid4()}/original.jpg")), 404, "not_found")
    assert_envelope(api("GET", download_path("not-a-bucket", image["objectKey"])), 400, "validation_error")


@pytest.mark.parametrize("path", [
    "{org}/../{org}/x/original.jpg",
    "{org}/%2e%2e/original.jpg",
    "{org}//original.jpg",
    "{org}/{id}//original.jpg",
    "{org}/{id}/original.jpg/",
    "{org}/{id}",
    "{org}/{id}/..%2Foriginal.jpg",
    "{org}/{id}/original.jpg%00",
])
def test_keys_outside_the_layout_never_serve_bytes(image, path):
    media_id = image["id"]
    url = "/api/v1/media/download/media/" + path.format(org=DEMO_ORG, id=media_id)
    response = api("GET", url)
    # nginx itself refuses some (a NUL byte) before the service sees them.
    assert response.status_code in (400, 404), (url, response.status_code)
    assert not response.content.startswith(b"\xff\xd8")


# --- a large object: streamed, memory flat ---------------------------------------------

def worker_rss_kib(master):
    sizes = {}
    for pid in children(master):
        try:
            with open(f"/proc/{pid}/status") as f:
                sizes[pid] = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (FileNotFoundError, StopIteration):
            pass
    return sizes


def api_master_pid():
    if os.environ.get("MEDIA_API_PID"):
        return int(os.environ["MEDIA_API_PID"])
    try:
        return int(stackctl("pid", "api").stdout.strip())
    except (OSError, subprocess.CalledProcessError, ValueError) as error:
        pytest.skip(f"no api master pid (scripts/stackctl pid api, or MEDIA_API_PID): {error}")


def put_large_object(content, filename):
    """A media whose object is `content`, larger than any upload limit: a presigned upload's
    pending row, with the bytes written straight into S3 under its key (the media stays
    `pending`; downloads serve it all the same)."""
    ticket = api("POST", "/api/v1/media/upload/presigned", json={"orgSlug": DEMO_ORG, "filename": filename})
    assert ticket.status_code == 200, ticket.text
    ticket = ticket.json()
    s3().put_object(Bucket=ticket["bucket"], Key=ticket["objectKey"], Body=content, ContentType=ticket["headers"]["Content-Type"])
    media = api("GET", f"/api/v1/media/{ticket['mediaId']}").json()
    return media


def test_a_200_mb_download_streams_with_flat_worker_memory():
    size = 200 * 1024 * 1024
    content = b"%PDF-1.4\n" + os.urandom(size - 9)
    expected = hashlib.sha256(content).hexdigest()
    media = put_large_object(content, "big.pdf")
    del content

    master = api_master_pid()
    baseline = worker_rss_kib(master)
    peak = dict(baseline)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid, rss in worker_rss_kib(master).items():
                peak[pid] = max(peak.get(pid, 0), rss)
            time.sleep(0.02)   # the sampling interval of the RSS peak

    sampler = threading.Thread(target=sample)
    sampler.start()
    digest, received = hashlib.sha256(), 0
    try:
        with api("GET", download_path(media), stream=True, timeout=600) as streamed:
            assert streamed.status_code == 200, streamed.text
            assert streamed.headers["Content-Length"] == str(size)
            for chunk in streamed.iter_content(1 << 20):
                digest.update(chunk)
                received += len(chunk)
    finally:
        done.set()
        sampler.join()
    assert received == size
    assert digest.hexdigest() == expected
    growth = {pid: (peak[pid] - baseline[pid]) / 1024 for pid in baseline if pid in peak}
    assert growth, "no worker found"
    print(f"worker RSS growth during a {size >> 20} MiB download (MiB): {growth}")
    assert max(growth.values()) < 20, f"worker RSS grew by {growth} MiB"
    api("DELETE", "/api/v1/media/", params={"id": media["id"]})


# --- S3 failing before or after the head (own pool, S3 behind a proxy) -----------------

class CuttingProxy:
    """Relays S3 connections but resets each one after `limit` response bytes."""

    def __init__(self, target_host, target_port, limit):
        self.target, self.limit = (target_host, target_port), limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client):
        upstream = socket.create_connection(self.target)
        threading.Thread(target=self.pump, args=(client, upstream, None), daemon=True).start()
        self.pump(upstream, client, self.limit)

    @staticmethod
    def pump(source, sink, limit):
        sent = 0
        try:
            while limit is None or sent < limit:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in (source, sink):
            # SO_LINGER 0: close with a reset, as a crashed or unplugged store would.
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)   # wakes the other pump's recv
                sock.close()
            except OSError:
                pass

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)   # wakes the blocked accept
        self.listener.close()


def test_s3_failing_mid_object_aborts_the_response_and_before_it_is_503(tmp_path):
    from test_pool import Pool
    import fastcgi_client

    media = upload(b"%PDF-1.4\n" + os.urandom(8 << 20), "cut.pdf")
    endpoint = urllib.parse.urlsplit(os.environ["S3_ENDPOINT"])
    proxy = CuttingProxy(endpoint.hostname, endpoint.port or 80, limit=1 << 20)
    (tmp_path / "cut").mkdir()
    # media-api streaming the object itself (DOWNLOAD_ACCEL_REDIRECT=false), whatever the stack's mode.
    pool = Pool(tmp_path / "cut", API_WORKERS=1, API_THREADS=1, S3_ENDPOINT=f"http://127.0.0.1:{proxy.port}",
                DOWNLOAD_ACCEL_REDIRECT="false")
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    try:
        # After the head: the connection is cut, never a short response that looks complete.
        with pytest.raises(ConnectionError):
            fastcgi_client.request(pool.socket, "GET", download_path(media), headers=headers, timeout=30)
        # The worker logs the cut once it has given up on the response.
        wait_for(lambda: "response cut short" in pool.log_text(), 30, "the log line about the cut response")
        # The thread serves on.
        small = fastcgi_client.request(pool.socket, "GET", download_path(media), headers={**headers, "Range": "bytes=0-99"})
        assert small.status == 206 and len(small.body) == 100
    finally:
        pool.stop()
        proxy.close()

    # Before the head: S3 unreachable is the contract's 503 with dependency storage.
    # A port that is bound but not listening refuses connections.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    (tmp_path / "dead").mkdir()
    dead = Pool(tmp_path / "dead", API_WORKERS=1, API_THREADS=1, S3_ENDPOINT=f"http://127.0.0.1:{closed.getsockname()[1]}",
                DOWNLOAD_ACCEL_REDIRECT="false")
    try:
        response = fastcgi_client.request(dead.socket, "GET", download_path(media), headers=headers, timeout=30)
        assert response.status == 503, response.body
        assert response.json()["error"]["details"]["dependency"] == "storage"
    finally:
        dead.stop()
        closed.close()
