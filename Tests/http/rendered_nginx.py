"""A media-api of a test's own behind an nginx rendered by scripts/render-nginx from the
production template: for tests of what nginx does with media-api's answers (X-Accel downloads,
the /img cache) under settings the shared test stack does not have."""
import os
import pathlib
import signal
import socket
import subprocess

from support import wait_for

REPO = pathlib.Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stop(process, sig):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_api(work, bin_dir, processes, **settings):
    """media-api on its own socket in `work`, with `settings` over the stack's environment."""
    socket_path = work / "fcgi.sock"
    environment = {**os.environ, "API_SOCKET": str(socket_path), **settings}
    process = subprocess.Popen([str(bin_dir / "media-api")], env=environment, stdout=open(work / "api.log", "w"),
                               stderr=subprocess.STDOUT)
    processes.append((process, signal.SIGTERM))
    wait_for(lambda: socket_path.exists() or process.poll() is not None, 30, "the media-api's socket")
    assert process.poll() is None, (work / "api.log").read_text()
    return socket_path


def start_nginx(work, tls, socket_path, stack_env, processes, config_lines, *render_options):
    """nginx rendered for `socket_path`, its service configuration the stack's limits plus
    `config_lines`; returns (base URL, the rendered configuration)."""
    https_port, http_port = free_port(), free_port()
    config = work / "config.env"
    config.write_text("".join(f"{name}={stack_env[name]}\n" for name in ("UPLOAD_MAX_BYTES", "JSON_MAX_BYTES"))
                      + "".join(line + "\n" for line in config_lines))
    (work / "logs").mkdir()
    (work / "temp").mkdir()
    rendered = subprocess.run(
        ["bash", str(REPO / "scripts" / "render-nginx"), "--server-name", "localhost",
         "--cert", str(tls / "server.pem"), "--key", str(tls / "server.key"), "--config", str(config),
         "--public-dir", str(REPO / "public"), "--playground-conf", str(REPO / "nginx" / "playground.conf"),
         "--api-socket", str(socket_path), "--https-listen", f"127.0.0.1:{https_port}",
         "--http-listen", f"127.0.0.1:{http_port}", "--https-port", str(https_port),
         "--log-dir", str(work / "logs"), "--temp-dir", str(work / "temp"), "--pid", str(work / "nginx.pid"),
         "--user", os.environ.get("USER") or "root", *render_options],
        capture_output=True, text=True, timeout=30, check=True)
    (work / "nginx.conf").write_text(rendered.stdout)
    nginx = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-e", str(work / "logs" / "error.log"),
                              "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=open(work / "nginx.out", "w"))
    processes.append((nginx, signal.SIGQUIT))
    wait_for(lambda: accepts(https_port) or nginx.poll() is not None, 30, "the nginx to listen")
    assert nginx.poll() is None, (work / "nginx.out").read_text() + (work / "logs" / "error.log").read_text()
    return f"https://localhost:{https_port}", rendered.stdout


def stop_all(processes):
    for process, sig in reversed(processes):
        stop(process, sig)
