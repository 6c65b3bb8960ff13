"""The X-Accel download mode end to end (DOWNLOAD_ACCEL_REDIRECT=true, nginx/download-accel.conf):
a media-api of its own in that mode (the stack's database, its S3_ENDPOINT an https stand-in
for S3 on loopback) behind an nginx rendered by scripts/render-nginx from the same template
as production. S3 must get nothing of the client's request but what the presigned GET needs,
and nginx must stream only from an S3 whose certificate the configured CA signed for the
endpoint's name."""
import http.server
import os
import ssl
import subprocess
import threading

import pytest

from rendered_nginx import start_api, start_nginx, stop_all
from support import api

OBJECT = b"stand-in S3 object bytes"
# What the presigned GET needs; everything else the client sent must stay with nginx.
CLIENT_HEADERS = {
    "Authorization": None,   # the demo key, filled in below
    "X-API-Key": None,
    "Cookie": "session=secret",
    "Proxy-Authorization": "Basic c2VjcmV0",
    "X-Amz-Security-Token": "client-token",
    "X-Amz-Server-Side-Encryption-Customer-Key": "client-key",
    "X-Forwarded-For": "203.0.113.9",
    "User-Agent": "accel-probe",
    "If-None-Match": '"client-etag"',
    "Range": "bytes=0-3",
}




class StandInS3(http.server.ThreadingHTTPServer):
    """HTTPS on loopback with a certificate the test can swap; counts connections and records
    every request's headers."""
    daemon_threads = True

    def __init__(self, context):
        super().__init__(("127.0.0.1", 0), StandInS3Handler)
        self.context = context
        self.requests = []
        self.connections = 0

    def handle_error(self, request, client_address):
        pass   # a handshake the client gave up


class StandInS3Handler(http.server.BaseHTTPRequestHandler):
    def setup(self):
        # Handshake in the handler's thread, with the certificate of the moment.
        self.server.connections += 1
        self.request = self.server.context.wrap_socket(self.request, server_side=True)
        super().setup()

    def do_GET(self):
        self.server.requests.append({name.lower(): value for name, value in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(OBJECT)))
        self.send_header("ETag", '"stand-in"')
        self.end_headers()
        self.wfile.write(OBJECT)

    def log_message(self, *arguments):
        pass


def server_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def openssl(*arguments):
    subprocess.run(["openssl", *arguments], check=True, capture_output=True, timeout=60)


def certificate(directory, name, subject_name, ca=None):
    """A certificate for `subject_name`, signed by `ca` (cert, key) or self-signed."""
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    extensions = directory / f"{name}.ext"
    extensions.write_text(f"subjectAltName=DNS:{subject_name}\nextendedKeyUsage=serverAuth\n")
    openssl("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", str(key),
            "-out", str(directory / f"{name}.csr"), "-subj", f"/CN={subject_name}")
    signer = ["-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial"] if ca else ["-signkey", str(key)]
    openssl("x509", "-req", "-days", "2", "-in", str(directory / f"{name}.csr"), *signer, "-extfile", str(extensions),
            "-out", str(cert))
    return cert, key






@pytest.fixture(scope="module")
def accel(tmp_path_factory, stack_env, data_dir, bin_dir):
    """(base URL of the accel nginx, the stand-in S3, certificates); everything stops afterwards."""
    work = tmp_path_factory.mktemp("accel")
    tls = data_dir / "tls"
    # The endpoint is an address: a hostname would need a DNS resolver in nginx (see
    # download-accel.conf), and nginx checks the certificate's names against it all the same.
    s3 = StandInS3(server_context(*certificate(work, "s3", "127.0.0.1", ca=(tls / "ca.pem", tls / "ca.key"))))
    threading.Thread(target=s3.serve_forever, daemon=True).start()
    processes = []
    try:
        socket_path = start_api(work, bin_dir, processes, DOWNLOAD_ACCEL_REDIRECT="true", API_WORKERS="1",
                                API_THREADS="2", S3_ENDPOINT=f"https://127.0.0.1:{s3.server_address[1]}")
        base_url, rendered = start_nginx(work, tls, socket_path, stack_env, processes, ["DOWNLOAD_ACCEL_REDIRECT=true"],
                                         "--s3-ca", str(tls / "ca.pem"))
        assert "proxy_ssl_verify on;" in rendered, "the X-Accel location is in the rendered configuration"
        yield {"base_url": base_url, "s3": s3, "work": work, "tls": tls}
    finally:
        stop_all(processes)
        s3.shutdown()
        s3.server_close()


@pytest.fixture(scope="module")
def stored(accel):
    """A media of the demo organization, stored through the stack's own API."""
    response = api("POST", "/api/v1/media/upload", files={"file": ("accel.pdf", b"%PDF-1.4\n" + os.urandom(64) + b"\n%%EOF\n")},
                   data={"orgSlug": os.environ.get("MEDIA_DEMO_ORG", "demo")})
    assert response.status_code == 201, response.text
    media = response.json()["media"]
    yield media
    api("DELETE", "/api/v1/media/", params={"id": media["id"]})


def download(accel, media, headers=None):
    return api("GET", f"{accel['base_url']}/api/v1/media/download/{media['bucket']}/{media['objectKey']}", headers=headers)


def test_s3_gets_none_of_the_clients_headers(accel, stored, demo_key):
    headers = {**CLIENT_HEADERS, "Authorization": f"Bearer {demo_key}", "X-API-Key": demo_key}
    before = len(accel["s3"].requests)
    response = download(accel, stored, headers)
    assert response.status_code == 200, response.text
    assert response.content == OBJECT, "the bytes come from the stand-in S3"
    assert response.headers["Content-Disposition"].startswith("attachment; ")
    seen = accel["s3"].requests[before:]
    assert len(seen) == 1
    assert seen[0] == {"host": seen[0]["host"], "range": "bytes=0-3", "if-none-match": '"client-etag"'}, seen[0]
    assert seen[0]["host"] == f"127.0.0.1:{accel['s3'].server_address[1]}"


@pytest.mark.parametrize("kind", ["self-signed", "another name"])
def test_an_s3_certificate_that_does_not_check_out_serves_nothing(accel, stored, kind):
    """An impostor on the endpoint's address (or a certificate for another host) is refused at
    the handshake: the client gets 503 unavailable (storage), never the impostor's bytes."""
    tls, s3 = accel["tls"], accel["s3"]
    if kind == "self-signed":
        cert, key = certificate(accel["work"], "impostor", "127.0.0.1")
    else:
        cert, key = certificate(accel["work"], "elsewhere", "elsewhere.example", ca=(tls / "ca.pem", tls / "ca.key"))
    trusted = s3.context
    s3.context = server_context(cert, key)
    before, connections = len(s3.requests), s3.connections
    try:
        response = download(accel, stored)
    finally:
        s3.context = trusted
    assert response.status_code == 503, response.text
    assert response.json()["error"]["details"] == {"dependency": "storage"}
    assert OBJECT not in response.content
    assert len(s3.requests) == before, "no request was sent over the untrusted connection"
    assert s3.connections > connections, "nginx did connect (and gave up at the handshake)"
    assert download(accel, stored).content == OBJECT, "with the real certificate back, downloads work again"
