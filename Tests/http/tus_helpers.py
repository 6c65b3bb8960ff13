"""tus requests by hand (the protocol's edges) and a tuspy client for this stack."""
import base64
import hashlib
import os
import socket
import ssl
import subprocess
import urllib.parse

from support import BASE_URL, CA_CERT, DEMO_KEY, api

CREATION = "/api/v1/media/upload/resumable"
TUS = {"Tus-Resumable": "1.0.0"}
MiB = 1 << 20


def metadata(**fields):
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in fields.items())


def pdf_bytes(size, seed=b""):
    """An allowed file of `size` bytes that is never decoded: a PDF header, random bytes, an end."""
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def create(length=None, key=None, defer=False, org="demo", headers=None, **fields):
    h = dict(TUS)
    if defer:
        h["Upload-Defer-Length"] = "1"
    else:
        h["Upload-Length"] = str(length)
    h["Upload-Metadata"] = metadata(orgSlug=org, **fields)
    h.update(headers or {})
    kw = {} if key is None else {"key": key}
    return api("POST", CREATION, headers=h, **kw)


def created(length, **kw):
    response = create(length, **kw)
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def patch(location, offset, body, key=None, headers=None):
    h = dict(TUS, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
    h.update(headers or {})
    kw = {} if key is None else {"key": key}
    return api("PATCH", location, headers=h, data=body, **kw)


def head(location, key=None):
    kw = {} if key is None else {"key": key}
    return api("HEAD", location, headers=TUS, **kw)


def offset(location):
    response = head(location)
    assert response.status_code == 200, response.status_code
    return int(response.headers["Upload-Offset"])


def checksum(algorithm, data):
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def expire(media_id, seconds_ago=1):
    """Moves an upload's expiry into the past, as if RESUMABLE_EXPIRY_HOURS had passed; the
    repair pass removes it once it is older than the grace (40 s on the test stack)."""
    socket_path = os.environ.get("MEDIA_DB_ADMIN_SOCKET", "")
    subprocess.run(["mariadb", "--no-defaults", f"--socket={socket_path}", "--user=root", "media", "-e",
                    f"UPDATE resumable_uploads SET expires_at = UTC_TIMESTAMP(3) - INTERVAL {int(seconds_ago)} SECOND WHERE media_id = '{media_id}'"],
                   check=True, capture_output=True)


def cut_patch(location, upload_offset, body, sent):
    """A PATCH that declares `len(body)` bytes, sends the first `sent`, then drops the connection."""
    url = urllib.parse.urlsplit(BASE_URL)
    context = ssl.create_default_context(cafile=CA_CERT)
    with socket.create_connection((url.hostname, url.port or 443), timeout=30) as raw:
        with context.wrap_socket(raw, server_hostname=url.hostname) as tls:
            head_lines = [f"PATCH {location} HTTP/1.1", f"Host: {url.netloc}", f"Authorization: Bearer {DEMO_KEY}",
                          "Tus-Resumable: 1.0.0", f"Upload-Offset: {upload_offset}",
                          "Content-Type: application/offset+octet-stream", f"Content-Length: {len(body)}", "", ""]
            tls.sendall("\r\n".join(head_lines).encode() + body[:sent])
            # Leaving the blocks closes the connection with the body unfinished.
