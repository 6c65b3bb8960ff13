"""The media lifecycle through nginx: upload, query, update, delete, presigned uploads,
tenant isolation and the consistency rules when a dependency fails."""
import hashlib
import threading
import time
import uuid

import pytest
import requests

from media_helpers import ORG, jpeg, objects_under, other_org, png_with_alpha, upload, uploaded
from support import Hold, api, scrape, stackctl

VARIANTS = ["thumbnail", "small", "medium", "large", "original_webp"]


def test_sync_upload_with_variants_returns_the_contract_media():
    data = jpeg(1200, 800)
    response = upload(data, filename="beach photo.jpg", generateVariants=True, alt="sea", caption="c")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["jobId"] is None
    media = body["media"]
    assert media["orgSlug"] == ORG and media["status"] == "ready" and media["isPrivate"] is False
    assert media["objectKey"] == f"{ORG}/{media['id']}/original.jpg"
    assert media["filename"] == "beach photo.jpg" and media["mimeType"] == "image/jpeg"
    assert (media["width"], media["height"], media["size"]) == (1200, 800, len(data))
    assert media["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert (media["alt"], media["caption"], media["description"]) == ("sea", "c", None)
    assert media["url"].endswith("/" + media["objectKey"])
    assert [v["name"] for v in media["variants"]] == VARIANTS
    sizes = {v["name"]: (v["width"], v["height"]) for v in media["variants"]}
    assert sizes["thumbnail"] == (234, 156) and sizes["large"] == (1000, 667) and sizes["original_webp"] == (1200, 800)
    for variant in media["variants"]:
        assert variant["objectKey"].startswith(f"{ORG}/{media['id']}/")
        assert variant["url"].endswith("/" + variant["objectKey"]) and variant["size"] > 0
    assert media["createdAt"].endswith("Z") and media["updatedAt"].endswith("Z")
    assert len(objects_under(f"{ORG}/{media['id']}/")) == 6


def test_no_variants_unless_asked_and_never_upscaled():
    assert uploaded(jpeg(300, 200))["variants"] == []
    small = uploaded(jpeg(300, 200), generateVariants=True)
    assert all(v["width"] <= 300 for v in small["variants"])


def test_png_with_alpha_keeps_png_variants():
    media = uploaded(png_with_alpha(), filename="alpha.png", generateVariants=True)
    assert media["mimeType"] == "image/png"
    assert {v["mimeType"] for v in media["variants"] if v["name"] != "original_webp"} == {"image/png"}


def test_exif_orientation_gives_upright_dimensions():
    from PIL import Image
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    media = uploaded(jpeg(400, 200, exif=exif.tobytes()), generateVariants=True)
    assert (media["width"], media["height"]) == (200, 400)
    assert all(v["height"] >= v["width"] for v in media["variants"])


@pytest.mark.parametrize("fields,status,code,field", [
    ({"orgSlug": "other-org"}, 403, "forbidden", None),
    ({"orgSlug": ""}, 400, "validation_error", "orgSlug"),
    ({"isPrivate": "maybe"}, 400, "validation_error", "isPrivate"),
    ({"generateVariants": "yes"}, 400, "validation_error", "generateVariants"),
    ({"unknownField": "1"}, 400, "validation_error", "unknownField"),
])
def test_upload_form_errors(fields, status, code, field):
    form = {"orgSlug": ORG, **fields}
    response = api("POST", "/api/v1/media/upload", files={"file": ("a.jpg", jpeg(), "image/jpeg")}, data=form)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    if field:
        assert response.json()["error"]["details"]["field"] == field


def test_upload_without_file_or_multipart_is_400():
    assert api("POST", "/api/v1/media/upload", data={"orgSlug": ORG}).status_code == 400
    assert api("POST", "/api/v1/media/upload", json={"orgSlug": ORG}).status_code == 400


@pytest.mark.parametrize("name,data,status", [
    ("page.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", 415),
    ("random.jpg", bytes(range(256)) * 40, 415),
    ("empty.jpg", b"", 415),
    ("script.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415),
    ("truncated.jpg", None, 422),
])
def test_hostile_files_are_refused_and_leave_nothing(name, data, status):
    if data is None:
        data = jpeg(800, 600)[:3000]
    before = api("GET", "/api/v1/media/list").json()["total"]
    response = upload(data, filename=name, generateVariants=True)
    assert response.status_code == status, response.text
    assert api("GET", "/api/v1/media/list").json()["total"] == before


def test_decompression_bomb_is_refused_fast():
    bomb = bytearray(jpeg(16, 16))
    marker = bomb.find(b"\xff\xc0")
    bomb[marker + 5:marker + 9] = (64250).to_bytes(2, "big") * 2   # height, width in the SOF header
    started = time.time()
    response = upload(bytes(bomb), filename="bomb.jpg", generateVariants=True)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_image"
    # Refused from the header, before any pixel is decoded: a decode of 4.1 gigapixels would
    # take minutes. The bound is generous so a busy machine passes; the figure is in the message.
    elapsed = time.time() - started
    assert elapsed < 15, f"refusing the bomb took {elapsed:.2f} s"


def test_get_one_and_its_variants():
    media = uploaded(jpeg(), generateVariants=True)
    got = api("GET", f"/api/v1/media/{media['id']}").json()
    assert got == media
    variants = api("GET", f"/api/v1/media/{media['id']}/variants").json()
    assert variants == {"mediaId": media["id"], "variants": media["variants"]}
    assert api("GET", f"/api/v1/media/{uuid.uuid4()}").status_code == 404
    assert api("GET", "/api/v1/media/not-an-id").status_code == 404


def test_list_pagination_search_type_and_sorting():
    tag = uuid.uuid4().hex[:8]
    # A letter right after the tag fixes the sort order under any collation; "dx50%x" is a
    # decoy that a search for "_50%" would match if _ and % were wildcards.
    names = [f"{tag}a_50%_off.jpg", f"{tag}b-it's.jpg", f"{tag}c-plain.jpg", f"{tag}dx50%x.png"]
    made = [uploaded(jpeg(100 + i * 10, 100), filename=n) if n.endswith(".jpg") else uploaded(png_with_alpha(), filename=n)
            for i, n in enumerate(names)]

    def listing(**query):
        response = api("GET", "/api/v1/media/list", params=query)
        assert response.status_code == 200, response.text
        return response.json()

    everything = listing(search=tag, limit=100)
    assert everything["total"] == 4 and len(everything["items"]) == 4
    assert [m["filename"] for m in listing(search="_50%", limit=100)["items"] if tag in m["filename"]] == [names[0]], \
        "% and _ match literally"
    assert [m["filename"] for m in listing(search="it's")["items"] if tag in m["filename"]] == [names[1]]
    assert listing(search=tag.upper())["total"] == 4, "case-insensitive"
    assert {m["filename"] for m in listing(search=tag, type="image/png")["items"]} == {names[3]}
    assert listing(search=tag, type="image/")["total"] == 4
    page = listing(search=tag, limit=3, offset=0)
    rest = listing(search=tag, limit=3, offset=3)
    assert page["total"] == 4 and len(page["items"]) == 3 and len(rest["items"]) == 1
    assert {m["id"] for m in page["items"] + rest["items"]} == {m["id"] for m in made}
    assert [m["id"] for m in listing(search=tag)["items"]] == [m["id"] for m in reversed(made)], "newest first by default"
    for sort, key in [("createdAt", lambda m: (m["createdAt"], m["id"])), ("filename", lambda m: m["filename"].lower()),
                      ("size", lambda m: m["size"])]:
        for order in ("asc", "desc"):
            items = listing(search=tag, sort=sort, order=order)["items"]
            values = [key(m) for m in items]
            assert values == sorted(values, reverse=(order == "desc")), (sort, order, values)


def test_search_follows_uploads_and_deletes_and_the_total_stays_exact():
    """Search reads the filename index and the total the organization's counter: both are
    written with the media row, so an upload is found at once and a deleted media never."""
    tag = uuid.uuid4().hex[:10]
    total = lambda: api("GET", "/api/v1/media/list", params={"limit": 1}).json()["total"]

    def found(search, **query):
        response = api("GET", "/api/v1/media/list", params={"search": search, "limit": 100, **query})
        assert response.status_code == 200, response.text
        return {m["id"] for m in response.json()["items"]}, response.json()["total"]

    start = total()
    plain, accented, upper = (uploaded(filename=name)["id"] for name in
                              (f"{tag}-one.jpg", f"Café-{tag}.jpg", f"x{tag.upper()}x.jpg"))
    assert found(tag) == ({plain, accented, upper}, 3)
    assert found(f"cafe-{tag}") == ({accented}, 1), "a non-ASCII filename is matched as the collation folds it"
    assert found(f"{tag}-ONE") == ({plain}, 1)
    assert found(f"{tag}x", sort="filename", order="asc") == ({upper}, 1)
    assert found(f"zz{tag}") == (set(), 0)
    assert total() == start + 3

    assert api("DELETE", "/api/v1/media/", params={"id": plain}).status_code == 200
    assert found(tag) == ({accented, upper}, 2)
    assert found(f"{tag}-one") == (set(), 0)
    assert total() == start + 2


def test_a_search_under_a_type_filter_follows_the_media_type():
    """The index rows carry the media's type (a filter reads only that type's rows of a gram):
    a crop to another format moves the media from one type's search to the other's."""
    tag = uuid.uuid4().hex[:10]
    media = uploaded(filename=f"{tag}-shot.jpg")

    def found(search, type_prefix):
        response = api("GET", "/api/v1/media/list", params={"search": search, "type": type_prefix, "limit": 100})
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]], response.json()["total"]

    assert found(tag, "image/jpeg") == ([media["id"]], 1)
    assert found(tag, "image/") == ([media["id"]], 1)
    assert found(tag, "image/webp") == ([], 0)
    crop = api("POST", "/api/v1/media/crop", json={"objectKey": media["objectKey"], "width": 64, "height": 48, "format": "webp"})
    assert crop.status_code == 200 and crop.json()["mimeType"] == "image/webp", crop.text
    assert found(f"{tag}-SHOT", "image/webp") == ([media["id"]], 1)
    assert found(f"{tag}-shot", "image/jpeg") == ([], 0)


@pytest.mark.parametrize("query,field", [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"),
                                         ({"limit": "x"}, "limit"), ({"sort": "id"}, "sort"), ({"order": "sideways"}, "order"),
                                         ({"limit": "99999999999999999999999"}, "limit")])
def test_list_parameter_errors(query, field):
    response = api("GET", "/api/v1/media/list", params=query)
    assert response.status_code == 400 and response.json()["error"]["details"]["field"] == field


def test_search_is_safe_against_injection():
    for text in ["' OR 1=1 --", "%' UNION SELECT * FROM api_keys --", "\\", "_", "%%"]:
        response = api("GET", "/api/v1/media/list", params={"search": text})
        assert response.status_code == 200, response.text


def test_batch_keeps_order_and_reports_missing():
    a, b = uploaded(), uploaded()
    unknown = str(uuid.uuid4())
    body = api("POST", "/api/v1/media/batch", json={"ids": [b["id"], unknown, a["id"], "junk"]}).json()
    assert [m["id"] for m in body["items"]] == [b["id"], a["id"]]
    assert body["missing"] == [unknown, "junk"]
    as_string = api("POST", "/api/v1/media/batch", json={"ids": f"{a['id']},{b['id']}"}).json()
    assert [m["id"] for m in as_string["items"]] == [a["id"], b["id"]]
    for bad in [{"ids": []}, {"ids": [str(uuid.uuid4()) for _ in range(101)]}, {}, {"ids": [1, 2]}, {"ids": "x", "more": 1}]:
        assert api("POST", "/api/v1/media/batch", json=bad).status_code == 400, bad


def test_patch_omit_keeps_null_clears_unknown_refused():
    media = uploaded(jpeg(), alt="a", caption="c", description="d")
    path = f"/api/v1/media/{media['id']}"
    updated = api("PATCH", path, json={"alt": "new", "caption": None}).json()
    assert (updated["alt"], updated["caption"], updated["description"]) == ("new", None, "d")
    assert api("PATCH", path, json={}).json()["alt"] == "new"
    for bad in [{"bogus": 1}, {"alt": 5}, {"isPrivate": "yes"}, {"isPrivate": None}]:
        response = api("PATCH", path, json=bad)
        assert response.status_code == 400, (bad, response.text)
    assert api("PATCH", path, data="{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert api("PATCH", f"/api/v1/media/{uuid.uuid4()}", json={"alt": "x"}).status_code == 404


def test_every_api_worker_sees_a_write_at_once():
    """API workers serve reads from their own cache; a write through any of them renews the
    row and the organization's pages everywhere at once (revisions in Redis)."""
    name = f"cache-{uuid.uuid4().hex[:10]}.jpg"
    media = uploaded(jpeg(), filename=name, alt="before")
    path, listing = f"/api/v1/media/{media['id']}", f"/api/v1/media/list?search={name}"
    hit = 'media_read_cache_lookups_total{result="hit"}'
    _, before = scrape()
    for _ in range(24):   # every thread of every worker reads (and caches) the row and the page
        assert api("GET", path).json()["alt"] == "before"
        assert [m["alt"] for m in api("GET", listing).json()["items"]] == ["before"]
    _, after = scrape()
    assert after.get(hit, 0) - before.get(hit, 0) >= 24, "reads were served from the caches"
    for round in range(4):
        text = f"after {round}"
        assert api("PATCH", path, json={"alt": text}).json()["alt"] == text
        for _ in range(12):
            assert api("GET", path).json()["alt"] == text
            assert [m["alt"] for m in api("GET", listing).json()["items"]] == [text]
    assert api("DELETE", "/api/v1/media/", params={"id": media["id"]}).status_code == 200
    for _ in range(12):
        assert api("GET", path).status_code == 404
        assert api("GET", listing).json()["items"] == []


def test_private_media_have_no_public_urls_and_move_between_buckets():
    media = uploaded(jpeg(), generateVariants=True)
    path = f"/api/v1/media/{media['id']}"
    private = api("PATCH", path, json={"isPrivate": True}).json()
    assert private["isPrivate"] is True and private["url"] is None
    assert all(v["url"] is None for v in private["variants"])
    assert {bucket for bucket, _ in objects_under(f"{ORG}/{media['id']}/")} == {private["bucket"]}
    public = api("PATCH", path, json={"isPrivate": False}).json()
    assert public["url"] == media["url"] and public["bucket"] == media["bucket"]
    assert len(objects_under(f"{ORG}/{media['id']}/")) == 6


def test_delete_by_id_and_by_object_key_removes_the_folder():
    media = uploaded(jpeg(), generateVariants=True)
    response = api("DELETE", "/api/v1/media/", params={"id": media["id"]})
    assert response.status_code == 200, response.text
    assert response.json() == {"deleted": {"mediaId": media["id"], "objects": 6}}
    assert objects_under(f"{ORG}/{media['id']}/") == []
    assert api("DELETE", "/api/v1/media/", params={"id": media["id"]}).status_code == 404
    assert api("GET", f"/api/v1/media/{media['id']}").status_code == 404
    other = uploaded(jpeg())
    by_key = api("DELETE", "/api/v1/media/", json={"objectKey": other["objectKey"], "bucketName": other["bucket"]})
    assert by_key.status_code == 200 and by_key.json()["deleted"]["objects"] == 1
    for bad in [{}, {"id": media["id"], "objectKey": other["objectKey"]}]:
        assert api("DELETE", "/api/v1/media/", json=bad).status_code == 400
    assert api("DELETE", "/api/v1/media/", params={"objectKey": f"{ORG}/../x"}).status_code == 400
    assert api("DELETE", "/api/v1/media/", params={"objectKey": other["objectKey"], "bucketName": "nope-bucket"}).status_code == 400


def test_another_organizations_media_is_invisible():
    mine = uploaded(jpeg())
    key = other_org()["key"]
    assert api("GET", f"/api/v1/media/{mine['id']}", key=key).status_code == 404
    assert api("GET", f"/api/v1/media/{mine['id']}/variants", key=key).status_code == 404
    assert api("PATCH", f"/api/v1/media/{mine['id']}", key=key, json={"alt": "x"}).status_code == 404
    assert api("DELETE", "/api/v1/media/", key=key, params={"id": mine["id"]}).status_code == 404
    assert api("DELETE", "/api/v1/media/", key=key, params={"objectKey": mine["objectKey"]}).status_code == 404
    batch = api("POST", "/api/v1/media/batch", key=key, json={"ids": [mine["id"]]}).json()
    assert batch == {"items": [], "missing": [mine["id"]]}
    assert mine["id"] not in [m["id"] for m in api("GET", "/api/v1/media/list", key=key, params={"limit": 100}).json()["items"]]
    assert upload(jpeg(), key=key, org=ORG).status_code == 403
    assert api("GET", f"/api/v1/media/{mine['id']}").json()["alt"] is None


def test_presigned_upload_then_complete():
    data = jpeg(900, 600)
    start = api("POST", "/api/v1/media/upload/presigned", json={"orgSlug": ORG, "filename": "direct.jpg", "mimeType": "image/jpeg",
                                                                "size": len(data)})
    assert start.status_code == 200, start.text
    ticket = start.json()
    assert ticket["method"] == "PUT"
    assert ticket["headers"] == {"Content-Type": "image/jpeg", "If-None-Match": "*", "Content-Length": str(len(data))}
    assert ticket["objectKey"] == f"{ORG}/{ticket['mediaId']}/original.jpg" and ticket["expiresAt"].endswith("Z")
    assert api("GET", f"/api/v1/media/{ticket['mediaId']}").json()["status"] == "pending"
    # No object yet: privacy moves, variants and crops wait for the upload (were a 502
    # NoSuchKey, and a failed job that left the media "ready" without bytes).
    assert api("PATCH", f"/api/v1/media/{ticket['mediaId']}", json={"isPrivate": True}).status_code == 409
    assert api("POST", "/api/v1/media/variants", json={"objectKey": ticket["objectKey"]}).status_code == 409
    crop = {"objectKey": ticket["objectKey"], "width": 1, "height": 1}
    assert api("POST", "/api/v1/media/crop", json=crop).status_code == 409
    early = api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={})
    assert early.status_code == 409, early.text
    wrong_type = requests.put(ticket["uploadUrl"], data=data, headers={**ticket["headers"], "Content-Type": "image/png"}, timeout=30)
    assert wrong_type.status_code == 403, "the signed Content-Type must be sent exactly"
    put = requests.put(ticket["uploadUrl"], data=data, headers=ticket["headers"], timeout=30)
    assert put.status_code == 200, put.text
    done = api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={"generateVariants": True})
    assert done.status_code == 200, done.text
    media = done.json()["media"]
    assert done.json()["jobId"] is None
    assert media["status"] == "ready" and (media["width"], media["height"]) == (900, 600)
    assert media["checksum"] == "sha256:" + hashlib.sha256(data).hexdigest() and len(media["variants"]) == 5
    assert api("POST", f"/api/v1/media/{ticket['mediaId']}/complete", json={}).status_code == 409


def test_presigned_upload_of_a_refused_type_is_removed_on_complete():
    start = api("POST", "/api/v1/media/upload/presigned", json={"orgSlug": ORG, "filename": "x.png", "mimeType": "image/png"}).json()
    requests.put(start["uploadUrl"], data=b"<html><script>alert(1)</script></html>", headers=start["headers"], timeout=30)
    refused = api("POST", f"/api/v1/media/{start['mediaId']}/complete", json={})
    assert refused.status_code == 415, refused.text
    assert api("GET", f"/api/v1/media/{start['mediaId']}").status_code == 404
    assert objects_under(f"{ORG}/{start['mediaId']}/") == []


@pytest.mark.parametrize("body,status", [({"orgSlug": "other-org", "filename": "a.jpg"}, 403), ({"orgSlug": ORG}, 400),
                                         ({"orgSlug": ORG, "filename": "a.html", "mimeType": "text/html"}, 415),
                                         ({"orgSlug": ORG, "filename": "a.jpg", "size": 10**12}, 413)])
def test_presigned_upload_errors(body, status):
    assert api("POST", "/api/v1/media/upload/presigned", json=body).status_code == status


def test_storage_down_upload_is_503_and_leaves_no_row():
    before = api("GET", "/api/v1/media/list").json()["total"]
    stackctl("stop", "s3")
    try:
        response = upload(jpeg(), generateVariants=True)
    finally:
        stackctl("start", "s3")
    assert response.status_code == 503, response.text
    assert response.json()["error"]["details"]["dependency"] == "storage"
    assert api("GET", "/api/v1/media/list").json()["total"] == before


def test_database_down_after_the_bytes_leaves_no_object():
    """MariaDB stops once an upload's original and variants are in S3 and before its row is
    written (the request is held exactly there): the answer is 503 and the objects are removed."""
    filename = f"db-down-{uuid.uuid4().hex[:12]}.jpg"
    result = {}

    def send():
        result["response"] = upload(jpeg(1200, 900, color=(90, 160, 30)), filename=filename, generateVariants=True)

    with Hold("upload.objects-written", subject=filename) as hold:
        sender = threading.Thread(target=send)
        sender.start()
        media_id = hold.wait(unless=lambda: "response" in result)["subjects"][1]
        # The precondition: the request is between its PUTs and its row.
        assert len(objects_under(f"{ORG}/{media_id}/")) == 1 + len(VARIANTS)
        assert api("GET", f"/api/v1/media/{media_id}").status_code == 404
        stackctl("stop", "mariadb")
        try:
            hold.release()
            sender.join(timeout=120)
        finally:
            stackctl("start", "mariadb")
    response = result["response"]
    assert response.status_code == 503, response.text
    assert response.json()["error"]["details"]["dependency"] == "database"
    assert objects_under(f"{ORG}/{media_id}/") == []
    assert api("GET", f"/api/v1/media/{media_id}").status_code == 404


def test_public_urls_work_and_private_media_are_reachable_only_by_the_owner():
    media = uploaded(jpeg(800, 600), generateVariants=True)
    urls = [media["url"]] + [v["url"] for v in media["variants"]]
    assert all(requests.get(url, timeout=30).status_code == 200 for url in urls)
    private = api("PATCH", f"/api/v1/media/{media['id']}", json={"isPrivate": True}).json()
    assert all(requests.get(url, timeout=30).status_code in (403, 404) for url in urls), "nothing private through the CDN"
    download = api("GET", f"/api/v1/media/download/{private['bucket']}/{private['objectKey']}")
    assert download.status_code == 200 and download.headers["Cache-Control"].startswith("private")
    presigned = api("GET", "/api/v1/media/presign", params={"objectKey": private["objectKey"], "bucket": private["bucket"]})
    assert presigned.status_code == 200 and requests.get(presigned.json()["url"], timeout=30).status_code == 200
    assert api("GET", "/api/v1/media/presign", key=other_org()["key"], params={"objectKey": private["objectKey"]}).status_code == 404
    api("PATCH", f"/api/v1/media/{media['id']}", json={"isPrivate": False})
    assert all(requests.get(url, timeout=30).status_code == 200 for url in urls), "public again"
