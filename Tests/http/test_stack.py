"""The stack as deployed: nginx (TLS, static files, FastCGI, its own error bodies) and the
systemd units. The service's own behaviour is tested elsewhere."""
import http.client
import json
import os
import pathlib
import re
import shutil
import socket
import ssl
import subprocess
import urllib.parse
import uuid
import warnings

import pytest

from support import wait_for

REPO = pathlib.Path(__file__).resolve().parents[2]
ONE_YEAR = 31536000


def host_port(base_url):
    parsed = urllib.parse.urlsplit(base_url)
    return parsed.hostname, parsed.port or 443


def assert_error_envelope(response_json, code, request_id=None):
    assert set(response_json) == {"error", "requestId"}, response_json
    assert response_json["error"]["code"] == code
    assert isinstance(response_json["error"]["message"], str) and response_json["error"]["message"]
    if request_id is not None:
        assert response_json["requestId"] == request_id


# --- static playground over HTTPS ------------------------------------------------------

def test_playground_is_served_over_https_with_hsts(http, base_url):
    response = http.get(base_url + "/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Media Service" in response.text
    hsts = response.headers.get("Strict-Transport-Security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    assert match and int(match.group(1)) >= ONE_YEAR, hsts
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    # server_tokens off: no version number.
    assert response.headers.get("Server") == "nginx"


def test_playground_html_revalidates(http, base_url):
    response = http.get(base_url + "/index.html", timeout=10)
    assert response.status_code == 200
    assert "no-cache" in response.headers.get("Cache-Control", "")
    assert response.headers.get("ETag")


def plain_http(stack_env, method, path, host):
    connection = http.client.HTTPConnection("127.0.0.1", int(stack_env["STACK_HTTP_PORT"]), timeout=10)
    try:
        connection.request(method, path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("host", ["localhost", "evil.example", "localhost:1"])
def test_plain_http_redirects_to_the_configured_server_name(stack_env, base_url, host):
    """Whatever Host the client sends: a redirect built from it would send the client, and
    what it posts next, wherever the Host header pointed (the configured name is localhost)."""
    status, headers, _ = plain_http(stack_env, "GET", "/healthz?x=1", host)
    assert status == 301
    assert headers["location"] == base_url + "/healthz?x=1"


def test_plain_http_refuses_trace_in_the_envelope(stack_env):
    status, headers, body = plain_http(stack_env, "TRACE", "/", "localhost")
    assert status == 405
    assert headers["content-type"].startswith("application/json")
    assert headers["allow"] == "GET, HEAD"
    assert_error_envelope(json.loads(body), "method_not_allowed", headers["x-request-id"])


# --- TLS versions ----------------------------------------------------------------------

def tls_handshake(base_url, ca_cert, version):
    """Handshake with exactly one TLS version; the client allows old versions and weak
    ciphers itself, so a refusal can only come from the server."""
    host, port = host_port(base_url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(ca_cert)
    context.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = version
        context.maximum_version = version
    with socket.create_connection((host, port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.version()


@pytest.mark.parametrize("version, name", [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")])
def test_modern_tls_is_accepted(base_url, ca_cert, version, name):
    assert tls_handshake(base_url, ca_cert, version) == name


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_tls_is_refused_by_the_server(base_url, ca_cert, version):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        tls_version = getattr(ssl.TLSVersion, version)
    with pytest.raises(ssl.SSLError) as refused:
        tls_handshake(base_url, ca_cert, tls_version)
    # The server's "protocol version" alert, not the client failing to offer the version.
    assert "ALERT_PROTOCOL_VERSION" in str(refused.value.reason), refused.value


# --- the FastCGI pool through nginx ------------------------------------------------------

def test_healthz_is_answered_by_the_service_through_nginx(http, base_url):
    response = http.get(base_url + "/healthz", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("checks"), dict), body
    assert response.headers.get("X-Request-Id")


def test_request_id_from_the_client_reaches_the_service(http, base_url):
    response = http.get(base_url + "/healthz", headers={"X-Request-Id": "stack-test.id_1"}, timeout=10)
    assert response.headers.get("X-Request-Id") == "stack-test.id_1"


def oversized_request(base_url, ca_cert, content_length, request_id=None, method="POST", path="/api/v1/media/upload",
                      content_type="multipart/form-data; boundary=x"):
    """Announces a body larger than the limit and sends none of it: nginx must answer
    from the headers alone (a client that streams 100 MB first would see a reset)."""
    host, port = host_port(base_url)
    context = ssl.create_default_context(cafile=ca_cert)
    connection = http.client.HTTPSConnection(host, port, context=context, timeout=15)
    connection.putrequest(method, path)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(content_length))
    connection.putheader("Authorization", "Bearer not-needed-for-this")
    if request_id:
        connection.putheader("X-Request-Id", request_id)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    connection.close()
    return response.status, headers, body


def test_body_over_the_limit_gets_nginx_413_in_the_json_envelope(base_url, ca_cert, stack_env):
    limit = int(stack_env["UPLOAD_MAX_BYTES"])
    status, headers, body = oversized_request(base_url, ca_cert, limit + 8 * 1024 * 1024, "too-big-1")
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert headers["x-request-id"] == "too-big-1"
    assert "strict-transport-security" in headers
    document = json.loads(body)
    assert_error_envelope(document, "payload_too_large", "too-big-1")
    assert document["error"]["details"]["maxBytes"] == limit


def test_413_without_client_request_id_gets_a_generated_one(base_url, ca_cert, stack_env):
    limit = int(stack_env["UPLOAD_MAX_BYTES"])
    status, headers, body = oversized_request(base_url, ca_cert, limit + 8 * 1024 * 1024)
    assert status == 413
    document = json.loads(body)
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,128}", document["requestId"])
    assert headers["x-request-id"] == document["requestId"]


@pytest.mark.parametrize("method,path", [("POST", "/api/v1/media/batch"), ("PATCH", f"/api/v1/media/{uuid.uuid4()}"),
                                         ("POST", "/api/v1/media/upload/presigned"), ("DELETE", "/api/v1/media/"),
                                         ("POST", "/api/v1/media/upload/x"), ("POST", "/healthz"), ("POST", "/")])
def test_only_the_upload_takes_a_large_body(base_url, ca_cert, stack_env, data_dir, method, path):
    """Every other route takes small JSON (JSON_MAX_BYTES): nginx refuses a larger body from
    the headers alone, so it never buffers up to UPLOAD_MAX_BYTES to disk for such a route
    (before, the upload's limit held everywhere) and the pool never sees the request."""
    limit = int(stack_env["JSON_MAX_BYTES"])
    request_id = f"big-json-{os.urandom(6).hex()}"
    status, headers, body = oversized_request(base_url, ca_cert, limit + 1, request_id, method, path, "application/json")
    assert status == 413, body
    document = json.loads(body)
    assert_error_envelope(document, "payload_too_large", request_id)
    assert document["error"]["details"]["maxBytes"] == limit
    assert request_id not in (data_dir / "logs" / "api.log").read_text(errors="replace")


API_METHODS = "GET, HEAD, POST, PATCH, DELETE"


@pytest.mark.parametrize("method,path,allow", [("TRACE", "/api/v1/media/list", API_METHODS), ("TRACE", "/", "GET, HEAD"),
                                               ("FOO", "/api/v1/media/list", API_METHODS),
                                               ("PROPFIND", "/api/v1/media/upload", API_METHODS),
                                               ("FOO", "/healthz", "GET, HEAD"), ("CONNECT", "/openapi.json", "GET, HEAD")])
def test_methods_nginx_refuses_are_405_in_the_envelope_and_never_reach_the_service(api, data_dir, method, path, allow):
    request_id = f"method-{method.lower()}-{os.urandom(6).hex()}"
    response = api(method, path, headers={"X-Request-Id": request_id})
    assert response.status_code == 405, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Allow"] == allow
    document = response.json()
    assert document["error"]["code"] == "method_not_allowed" and method in document["error"]["message"]
    assert document["requestId"] == response.headers["X-Request-Id"] == request_id
    # The service logs every request it answers: this one it never saw.
    assert api("GET", "/api/v1/media/list", params={"limit": 1}).status_code == 200
    assert request_id not in (data_dir / "logs" / "api.log").read_text(errors="replace")


def test_a_healthz_flood_is_limited_per_address_by_nginx(base_url, ca_cert):
    sock = socket.create_connection(host_port(base_url), timeout=60)
    tls = ssl.create_default_context(cafile=ca_cert).wrap_socket(sock, server_hostname="localhost")
    count = 300
    try:
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n" * count)   # pipelined
        from test_limits import pipelined_responses
        statuses = [status for status, _, _ in pipelined_responses(tls, count)]
    finally:
        tls.close()
    print(f"{count} pipelined /healthz: {statuses.count(200)} answered 200, {statuses.count(429)} answered 429 by nginx")
    assert set(statuses) <= {200, 429} and statuses.count(429) > 0, sorted(set(statuses))
    # Refilled at the zone's rate: health checks of the tests that follow pass again.
    wait_for(lambda: http_status(base_url, ca_cert, "/healthz") == 200, 30, "/healthz to answer again")


def http_status(base_url, ca_cert, path):
    import requests
    return requests.get(base_url + path, verify=ca_cert, timeout=10).status_code


def test_pool_down_gives_503_unavailable_in_the_json_envelope(api, stopped, stackctl):
    with stopped("api"):
        response = api("GET", "/api/v1/media/list", timeout=15)
        assert response.status_code == 503, response.text
        assert response.headers.get("Retry-After")
        document = response.json()
        assert_error_envelope(document, "unavailable", response.headers["X-Request-Id"])
        assert document["error"]["details"]["dependency"] == "api"
    # Back in service after the restart (the pool's workers take a moment to come up).
    wait_for(lambda: api("GET", "/healthz", key=None, timeout=15).status_code == 200, 60, "healthz 200 after the pool restarted")


# --- systemd units -----------------------------------------------------------------------

UNITS = ("media-api.socket", "media-api.service", "media-worker.service")


def render_units(target, bin_dir, edit=None):
    """Copies of the units whose binaries point at the built ones (systemd-analyze checks
    that ExecStart exists), optionally with one line changed."""
    target.mkdir(parents=True, exist_ok=True)
    for unit in UNITS:
        text = (REPO / "systemd" / unit).read_text()
        text = text.replace("/opt/media-service/bin", str(bin_dir))
        if edit and unit == edit[0]:
            assert edit[1] in text, edit
            text = text.replace(edit[1], edit[2])
        (target / unit).write_text(text)
    return [str(target / unit) for unit in UNITS]


def verify_units(paths):
    """systemd-analyze exits 0 on many bad values and only prints a warning: count any
    line that names one of our files as a failure too."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze is missing (Debian package 'systemd'; scripts/test installs it)")
    result = subprocess.run([tool, "verify", *paths], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
    output = result.stdout + result.stderr
    ours = [line for line in output.splitlines() if any(unit in line for unit in UNITS)]
    return result.returncode, ours, output


def test_systemd_units_verify(tmp_path, bin_dir):
    code, complaints, output = verify_units(render_units(tmp_path / "units", bin_dir))
    assert code == 0 and not complaints, output


@pytest.mark.parametrize("edit", [
    ("media-api.service", "ProtectSystem=strict", "ProtectSystem=strictest"),
    ("media-api.service", "KillMode=mixed", "KillMode=gentle"),
    ("media-worker.service", "SystemCallFilter=@system-service", "SystemCallFilter=@no-such-group"),
    ("media-api.socket", "SocketMode=0660", "SocketModus=0660"),
])
def test_systemd_verification_catches_a_bad_value(tmp_path, bin_dir, edit):
    # Proves the check above is real: the same check fails on each broken copy.
    code, complaints, output = verify_units(render_units(tmp_path / "units", bin_dir, edit))
    assert code != 0 or complaints, output


def test_systemd_verification_catches_a_missing_binary(tmp_path):
    code, complaints, output = verify_units(render_units(tmp_path / "units", tmp_path / "nowhere"))
    assert code != 0 or complaints, output


def test_socket_unit_lets_nginx_connect():
    socket_unit = (REPO / "systemd" / "media-api.socket").read_text()
    assert re.search(r"^SocketMode=0660$", socket_unit, re.M)
    assert re.search(r"^SocketGroup=media-fcgi$", socket_unit, re.M)
    service = (REPO / "systemd" / "media-api.service").read_text()
    assert re.search(r"^ExecReload=/bin/kill -HUP \$MAINPID$", service, re.M)


# --- production nginx rendering ------------------------------------------------------------

def test_production_nginx_config_renders_and_passes_nginx_t(tmp_path, stack_env):
    tls = pathlib.Path(stack_env["MEDIA_CA_CERT"]).parent
    (tmp_path / "logs").mkdir()
    (tmp_path / "temp").mkdir()
    rendered = subprocess.run(
        ["bash", str(REPO / "scripts" / "render-nginx"), "--server-name", "media.example.com",
         "--cert", str(tls / "server.pem"), "--key", str(tls / "server.key"),
         "--config", str(REPO / "config.env.example"),
         "--playground-conf", str(REPO / "nginx" / "playground.conf"),
         "--log-dir", str(tmp_path / "logs"), "--temp-dir", str(tmp_path / "temp"),
         "--pid", str(tmp_path / "nginx.pid"), "--user", os.environ.get("USER") or "root"],
        capture_output=True, text=True, timeout=30)
    assert rendered.returncode == 0, rendered.stderr
    conf = tmp_path / "nginx.conf"
    conf.write_text(rendered.stdout)
    assert "listen 443 ssl http2 reuseport;" in rendered.stdout
    assert "return 301 https://$server_name$request_uri;" in rendered.stdout
    checked = subprocess.run(["nginx", "-t", "-c", str(conf), "-e", str(tmp_path / "logs" / "e.log")],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
