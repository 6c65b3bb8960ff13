"""A minimal FastCGI client (responder role) for talking to the pool without nginx."""
import socket
import struct

FCGI_VERSION = 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1


def _record(kind, request_id, content=b""):
    header = struct.pack(">BBHHBx", FCGI_VERSION, kind, request_id, len(content), 0)
    return header + content


def _name_value(name, value):
    def length(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return length(len(name)) + length(len(value)) + name + value


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        import json
        return json.loads(self.body)


def request(socket_path, method, uri, headers=None, body=b"", timeout=10, connected=None):
    """Sends one request; `connected` (a callable) is called once the connection is open."""
    path, _, query = uri.partition("?")
    params = {
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "DOCUMENT_URI": path, "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": (headers or {}).get("Content-Type", ""),
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
    }
    for name, value in (headers or {}).items():
        params["HTTP_" + name.upper().replace("-", "_")] = value
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(socket_path)
    if connected:
        connected()
    try:
        out = _record(BEGIN_REQUEST, 1, struct.pack(">HB5x", RESPONDER, 0))
        encoded = b"".join(_name_value(k, v) for k, v in params.items())
        out += _record(PARAMS, 1, encoded) + _record(PARAMS, 1)
        for start in range(0, len(body), 65535):
            out += _record(STDIN, 1, body[start:start + 65535])
        out += _record(STDIN, 1)
        sock.sendall(out)
        stdout = b""
        buffer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before FCGI_END_REQUEST")
            buffer += chunk
            while len(buffer) >= 8:
                _, kind, _, length, padding = struct.unpack(">BBHHBx", buffer[:8])
                if len(buffer) < 8 + length + padding:
                    break
                content = buffer[8:8 + length]
                buffer = buffer[8 + length + padding:]
                if kind == STDOUT:
                    stdout += content
                elif kind == END_REQUEST:
                    return _parse(stdout)
    finally:
        sock.close()


def _parse(stdout):
    head, _, body = stdout.partition(b"\r\n\r\n")
    headers = {}
    status = 200
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers[name.strip().lower()] = value.strip()
    return Response(status, headers, body)
