"""nginx's cache of /img answers (TRANSFORM_CACHE_SECONDS): a media-api of its own with the cache
on, behind an nginx rendered by scripts/render-nginx from the production template. A public
derivative is asked of media-api once and then served by nginx; a private one, and a refused
URL, reach media-api every time. The pool runs one worker thread, so its log is in request
order: a later request's line proves every earlier line was written."""
import json
import os
import time

import pytest
import requests

from media_helpers import jpeg, uploaded
from support import wait_for
from rendered_nginx import start_api, start_nginx, stop_all
from test_transforms import source


@pytest.fixture(scope="module")
def cached(tmp_path_factory, stack_env, data_dir, bin_dir):
    work = tmp_path_factory.mktemp("transform-cache")
    processes = []
    try:
        socket_path = start_api(work, bin_dir, processes, API_WORKERS="1", API_THREADS="1", TRANSFORM_CACHE_SECONDS="300")
        base_url, _ = start_nginx(work, data_dir / "tls", socket_path, stack_env, processes,
                                  ["DOWNLOAD_ACCEL_REDIRECT=false"])
        yield {"base_url": base_url, "log": work / "api.log"}
    finally:
        stop_all(processes)


def img_requests(cached):
    """Paths of the /img requests media-api answered, in order."""
    paths = []
    for line in cached["log"].read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "request" and str(entry.get("route", "")).startswith("/img"):
            paths.append(entry.get("path") or entry.get("uri") or entry["route"])
    return paths


def fetch(cached, ImgProxy, media, *advanced, width):
    link = ImgProxy(source(media), proxy_host=f"{cached['base_url']}/img", key=os.environ["TRANSFORM_KEY"],
                    salt=os.environ["TRANSFORM_SALT"], resizing_type="fit", width=width, extension="jpg")(*advanced)
    return requests.get(link, verify=os.environ["MEDIA_CA_CERT"], timeout=60)


def answered_by_media_api(cached, ImgProxy, media, count_before):
    """Sends one more request that nginx cannot have kept (a new width) and waits for its log
    line: every earlier request's line is in the log by then. Returns the /img lines before it."""
    marker = fetch(cached, ImgProxy, media, width=37 + count_before)
    assert marker.status_code == 200, marker.text
    wait_for(lambda: len(img_requests(cached)) > count_before, 30, "the marker request in media-api's log")
    return len(img_requests(cached)) - 1


@pytest.fixture(scope="module")
def ImgProxy():
    from imgproxy import ImgProxy
    return ImgProxy


def test_a_public_derivative_is_asked_of_media_api_once_then_served_by_nginx(cached, ImgProxy):
    media = uploaded(jpeg(640, 480), filename="cached-public.jpg")
    before = len(img_requests(cached))
    first = fetch(cached, ImgProxy, media, width=120)
    second = fetch(cached, ImgProxy, media, width=120)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["X-Transform"] == "hit"
    assert second.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert second.headers["X-Content-Type-Options"] == "nosniff"
    assert answered_by_media_api(cached, ImgProxy, media, before) == before + 1, "the second answer came from nginx"


def test_a_private_derivative_and_a_refused_url_reach_media_api_every_time(cached, ImgProxy):
    media = uploaded(jpeg(640, 480), filename="cached-private.jpg", isPrivate=True)
    expires = int(time.time()) + 300
    before = len(img_requests(cached))
    for _ in range(2):
        answer = fetch(cached, ImgProxy, media, f"exp:{expires}", width=120)
        assert answer.status_code == 200 and answer.headers["Cache-Control"].startswith("private")
    for _ in range(2):
        refused = requests.get(f"{cached['base_url']}/img/bad-signature/rs:fit:100:0/plain/{source(media)}@jpg",
                               verify=os.environ["MEDIA_CA_CERT"], timeout=60)
        assert refused.status_code == 403
    public = uploaded(jpeg(320, 240), filename="cached-marker.jpg")
    assert answered_by_media_api(cached, ImgProxy, public, before) == before + 4
