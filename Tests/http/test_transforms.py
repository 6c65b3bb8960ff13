"""On-the-fly transforms: /img URLs in imgproxy's format, built here by imgproxy's own Python
client (PyPI `imgproxy`) with the stack's key and salt, served through nginx without an API
key; derivatives stored once under the media's folder."""
import io
import os
import threading
import time
import uuid

import pytest
import requests
from PIL import Image

import fastcgi_client
from installs import require_module
from media_helpers import ORG, jpeg, objects_under, uploaded
from support import api, mediactl, scrape

BASE = os.environ.get("MEDIA_BASE_URL", "").rstrip("/")
KEY, SALT = os.environ.get("TRANSFORM_KEY", ""), os.environ.get("TRANSFORM_SALT", "")


@pytest.fixture(scope="module")
def ImgProxy():
    require_module("imgproxy", "imgproxy>=1.0")
    from imgproxy import ImgProxy
    return ImgProxy


@pytest.fixture(scope="module")
def photo():
    """A 1200×800 JPEG with a bright block at its right edge (where g:ea must crop to)."""
    image = Image.new("RGB", (1200, 800), (30, 60, 90))
    image.paste((250, 250, 250), (1000, 0, 1200, 800))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return uploaded(buffer.getvalue(), filename="transform-source.jpg")


def source(media):
    return f"s3://{media['bucket']}/{media['objectKey']}"


def url(ImgProxy, media, *advanced, key=None, salt=None, **params):
    params.setdefault("resizing_type", "fit")
    return ImgProxy(source(media), proxy_host=f"{BASE}/img", key=key or KEY, salt=salt or SALT, **params)(*advanced)


def get(link, **headers):
    return requests.get(link, headers=headers, verify=os.environ["MEDIA_CA_CERT"], timeout=120)


def picture(response):
    return Image.open(io.BytesIO(response.content))


def test_urls_of_imgproxys_client_return_the_asked_size_and_are_stored_once(ImgProxy, photo):
    link = url(ImgProxy, photo, width=300, extension="webp")
    first = get(link)
    assert first.status_code == 200, first.text
    assert first.headers["Content-Type"] == "image/webp" and picture(first).size == (300, 200)
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable" and first.headers["ETag"]
    assert first.headers["X-Transform"] in ("made", "hit")
    again = get(link)
    assert again.headers["X-Transform"] == "hit" and again.content == first.content
    assert get(link, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    derivatives = [key for _, key in objects_under(f"{ORG}/{photo['id']}/t-")]
    assert len(derivatives) >= 1 and all(key.endswith(".webp") for key in derivatives)
    fill = get(url(ImgProxy, photo, width=200, height=200, resizing_type="fill", extension="png"))
    assert fill.headers["Content-Type"] == "image/png" and picture(fill).size == (200, 200)


def test_one_changed_byte_of_the_path_or_another_key_is_403(ImgProxy, photo):
    link = url(ImgProxy, photo, width=120, extension="jpg")
    assert get(link).status_code == 200
    changed = link.replace("rs:fit:120:", "rs:fit:121:")
    refused = get(changed)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert get(url(ImgProxy, photo, width=120, extension="jpg", key="00" * 32)).status_code == 403
    assert get(link.replace(link.split("/img/")[1].split("/")[0], "insecure")).status_code == 403


@pytest.mark.parametrize("advanced,size,content_type", [
    (["bl:2"], (240, 160), "image/jpeg"),
    (["sh:1.5"], (240, 160), "image/jpeg"),
    (["rot:90"], (240, 360), "image/jpeg"),   # the size is of the rotated result
    (["c:600:400:nowe"], (240, 160), "image/jpeg"),
    (["q:30"], (240, 160), "image/jpeg"),
    (["dpr:2"], (480, 320), "image/jpeg"),
    (["f:png"], (240, 160), "image/png"),
    (["f:avif"], (240, 160), "image/avif"),
    (["ex:1", "bg:255:0:0", "h:300"], (240, 300), "image/jpeg"),
])
def test_option_families(ImgProxy, photo, advanced, size, content_type):
    # imgproxy's client puts its own rs:fit:240:0:0 after these, so h: comes through `height`.
    height = 300 if "h:300" in advanced else 0
    advanced = [option for option in advanced if option != "h:300"]
    response = get(url(ImgProxy, photo, *advanced, width=240, height=height,
                       extension="jpg" if content_type == "image/jpeg" else ""))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == content_type
    if content_type != "image/avif":
        assert picture(response).size == size
    else:
        assert response.content[4:12] == b"ftypavif"


def test_gravity_chooses_the_part_kept(ImgProxy, photo):
    east = picture(get(url(ImgProxy, photo, width=100, height=100, resizing_type="fill", gravity="ea", extension="png")))
    west = picture(get(url(ImgProxy, photo, width=100, height=100, resizing_type="fill", gravity="we", extension="png")))
    assert east.getpixel((90, 50))[0] > 200, "the bright right edge is kept"
    assert west.getpixel((90, 50))[0] < 100


def test_a_bad_option_is_400_naming_it(ImgProxy, photo):
    for option, name in [("bl:many", "bl"), ("nope:1", "nope"), ("rot:45", "rot")]:
        response = get(url(ImgProxy, photo, option, width=50))
        assert response.status_code == 400, response.text
        assert response.json()["error"]["details"]["field"] == name


def test_the_format_follows_accept_without_an_extension(ImgProxy, photo):
    link = url(ImgProxy, photo, width=64)
    for accept, content_type in [("image/avif,image/webp,*/*", "image/avif"), ("image/webp,*/*", "image/webp"),
                                 ("*/*", "image/jpeg")]:
        response = get(link, Accept=accept)
        assert response.status_code == 200 and response.headers["Content-Type"] == content_type, accept
        assert response.headers["Vary"] == "Accept"


def test_a_source_outside_any_media_is_404(ImgProxy, photo):
    for other in [f"s3://{photo['bucket']}/{ORG}/{uuid.uuid4()}/original.jpg", f"s3://elsewhere/{photo['objectKey']}",
                  "https://example.com/cat.jpg", f"s3://{photo['bucket']}/{photo['objectKey']}/../x",
                  f"s3://{photo['bucket']}/{photo['variants'][0]['objectKey'] if photo['variants'] else photo['objectKey'] + 'x'}"]:
        link = ImgProxy(other, proxy_host=f"{BASE}/img", key=KEY, salt=SALT, width=10)()
        assert get(link).status_code == 404, other


def test_private_media_need_an_expiring_url(ImgProxy):
    media = uploaded(jpeg(400, 300), filename="private-transform.jpg", isPrivate=True)
    assert get(url(ImgProxy, media, width=100, extension="jpg")).status_code == 403
    expires = int(time.time()) + 300
    response = get(url(ImgProxy, media, f"exp:{expires}", width=100, extension="jpg"))
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("private")
    assert all(bucket == media["bucket"] for bucket, _ in objects_under(f"{ORG}/{media['id']}/t-"))
    assert get(url(ImgProxy, media, f"exp:{int(time.time()) - 1}", width=100, extension="jpg")).status_code == 403


def test_a_crop_or_a_delete_leaves_no_old_derivative_served(ImgProxy):
    media = uploaded(jpeg(600, 400), filename="crop-transform.jpg")
    old = url(ImgProxy, media, width=100, extension="png")
    assert picture(get(old)).size == (100, 67)
    cropped = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "width": 200, "height": 200})
    assert cropped.status_code == 200, cropped.text
    assert get(old).status_code == 404, "the old original is no source any more"
    fresh = get(url(ImgProxy, cropped.json(), width=100, extension="png"))
    assert picture(fresh).size == (100, 100) and fresh.headers["X-Transform"] == "made"
    assert api("DELETE", "/api/v1/media/", params={"id": media["id"]}).status_code == 200
    assert objects_under(f"{ORG}/{media['id']}/") == []


def test_concurrent_first_requests_decode_once(ImgProxy, photo):
    link = url(ImgProxy, photo, width=333, extension="webp")
    decodes_before = scrape()[1].get("media_transform_decodes_total", 0)
    answers = [None] * 12
    barrier = threading.Barrier(len(answers))

    def ask(index):
        barrier.wait(timeout=30)
        answers[index] = get(link)

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert all(answer is not None and answer.status_code == 200 for answer in answers)
    assert len({answer.content for answer in answers}) == 1
    assert [answer.headers["X-Transform"] for answer in answers].count("made") == 1
    # Metrics are per pool: every API worker shares the counters of the pool's region.
    assert scrape()[1].get("media_transform_decodes_total", 0) - decodes_before == 1


@pytest.fixture
def pool(tmp_path):
    """A pool of its own (FastCGI, no nginx) with other transform settings."""
    from test_pool import Pool
    pools = []

    def make(**overrides):
        pools.append(Pool(tmp_path, API_WORKERS=1, API_THREADS=2, **overrides))
        return pools[-1]

    yield make
    for made in pools:
        made.stop()


def through(pool, link):
    return fastcgi_client.request(pool.socket, "GET", "/img/" + link.split("/img/", 1)[1], timeout=120)


def test_the_budget_counts_new_derivatives_only(ImgProxy, pool):
    # An organization of its own: the budget is per organization and per minute.
    slug = "budget-" + uuid.uuid4().hex[:8]
    mediactl("org", "create", slug, "--name", "Budget")
    key = mediactl("key", "create", "--org", slug, "--name", "budget").stdout.strip().splitlines()[-1]
    media = uploaded(jpeg(300, 200), key=key, org=slug)
    limited = pool(TRANSFORM_BUDGET_PER_MINUTE=2)
    links = [url(ImgProxy, media, width=50 + index, extension="jpg") for index in range(3)]
    assert [through(limited, link).status for link in links[:2]] == [200, 200]
    refused = through(limited, links[2])
    assert refused.status == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"
    assert through(limited, links[0]).status == 200, "a stored derivative never counts"


def test_presets_only_accepts_named_presets(ImgProxy, photo, pool):
    strict = pool(TRANSFORM_ONLY_PRESETS="true", TRANSFORM_PRESETS="thumb=rs:fill:64:64/q:70")
    encoded = url(ImgProxy, photo, width=64).rsplit("/", 1)[1]
    path = f"/thumb/{encoded}.png"
    from hmac import new as hmac_new
    import base64, hashlib
    signature = base64.urlsafe_b64encode(hmac_new(bytes.fromhex(KEY), bytes.fromhex(SALT) + path.encode(),
                                                  hashlib.sha256).digest()).rstrip(b"=").decode()
    answer = fastcgi_client.request(strict.socket, "GET", f"/img/{signature}{path}", timeout=120)
    assert answer.status == 200
    assert Image.open(io.BytesIO(answer.body)).size == (64, 64)
    assert through(strict, url(ImgProxy, photo, width=64)).status == 400, "options are no preset names"
