"""mediactl reconcile against the live stack: objects written or removed behind the service's
back, a presigned upload never completed and a half-done delete are reported, --fix repairs
them, and the next run finds nothing. Everything happens in an organization of its own, so
the grace period of 0 used here never touches what other tests have in flight."""
import os
import re
import subprocess
import time
import uuid

import pytest
import requests

from media_helpers import jpeg, objects_under, s3, uploaded
from support import BIN_DIR, api, mediactl

ORG = "reconcile-test"
SUMMARY = re.compile(r"^reconcile: checked (\d+) rows, (\d+) objects; missing (\d+), orphans (\d+), stale (\d+), "
                     r"pending (\d+), deleting (\d+), unindexed (\d+), miscounted (\d+), fixed (\d+)$")
FIELDS = ("rows", "objects", "missing", "orphans", "stale", "pending", "deleting", "unindexed", "miscounted", "fixed")


def reconcile(*arguments):
    result = subprocess.run([os.path.join(BIN_DIR, "mediactl"), "reconcile", *arguments], capture_output=True, text=True,
                            timeout=300)
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output (exit {result.returncode}): {result.stderr}"
    match = SUMMARY.match(lines[-1])
    assert match, f"last line is not the summary:\n{result.stdout}\n{result.stderr}"
    return result, dict(zip(FIELDS, map(int, match.groups())))


def now_args(*extra):
    return ("--org", ORG, "--grace-minutes", "0", "--pending-hours", "0", *extra)


def admin_sql(statement):
    socket = os.environ.get("MEDIA_DB_ADMIN_SOCKET", "")
    return subprocess.run(["mariadb", "--no-defaults", f"--socket={socket}", "--user=root", "--batch", "--skip-column-names",
                           "media", "-e", statement], capture_output=True, text=True)


def sql(statement):
    """Runs `statement` as the database's admin (writes behind the service's back); False if it cannot."""
    return admin_sql(statement).returncode == 0


def sql_lines(statement):
    """What a query as the database's admin printed, a line per row."""
    result = admin_sql(statement)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def mark_deleting(media_id):
    """A delete interrupted after marking the row: what a crash between the steps leaves."""
    return sql(f"UPDATE media SET deleting_at = UTC_TIMESTAMP(3) WHERE id = '{media_id}'")


def new_id():
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def key():
    mediactl("org", "create", ORG, "--name", "Reconcile", "--if-not-exists")
    return mediactl("key", "create", "--org", ORG, "--name", "reconcile").stdout.strip().splitlines()[-1]


def wait_ready(media_id, key, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        media = api("GET", f"/api/v1/media/{media_id}", key=key).json()
        if media.get("status") in ("ready", "failed"):
            return media
        time.sleep(0.2)
    raise AssertionError(f"media {media_id} stayed {media}")


def head(bucket, object_key):
    try:
        s3().head_object(Bucket=bucket, Key=object_key)
        return True
    except Exception:  # botocore ClientError 404
        return False


def test_reconcile_reports_then_repairs_then_finds_nothing(key):
    client = s3()
    public, private = os.environ["S3_BUCKET"], os.environ["S3_PRIVATE_BUCKET"]
    # A clean start for this organization (nothing else writes to it).
    reconcile(*now_args("--fix"))

    with_variants = uploaded(jpeg(800, 600), key=key, org=ORG, generateVariants=True)
    lost_original = uploaded(jpeg(), key=key, org=ORG)
    half_deleted = uploaded(jpeg(), key=key, org=ORG, isPrivate=True)
    thumbnail = next(v for v in with_variants["variants"] if v["name"] == "thumbnail")
    client.delete_object(Bucket=public, Key=thumbnail["objectKey"])
    client.delete_object(Bucket=public, Key=lost_original["objectKey"])
    orphan_public = f"{ORG}/{new_id()}/original.jpg"
    orphan_private = f"{ORG}/{new_id()}/original.png"
    stale = f"{ORG}/{with_variants['id']}/original-v7.jpg"
    client.put_object(Bucket=public, Key=orphan_public, Body=jpeg())
    client.put_object(Bucket=private, Key=orphan_private, Body=b"not claimed")
    client.put_object(Bucket=public, Key=stale, Body=jpeg())
    presigned = api("POST", "/api/v1/media/upload/presigned", key=key, json={"orgSlug": ORG, "filename": "never.jpg"})
    assert presigned.status_code == 200, presigned.text
    pending_id = presigned.json()["mediaId"]
    # Staged bytes: the pending media's own (claimed while it waits), and a PUT that no pending
    # media waits for (replayed after complete or delete).
    assert requests.put(presigned.json()["uploadUrl"], data=jpeg(), headers=presigned.json()["headers"], timeout=30).ok
    pending_staged = f"_staging/{ORG}/{pending_id}"
    abandoned_staged = f"_staging/{ORG}/{new_id()}"
    client.put_object(Bucket=private, Key=abandoned_staged, Body=b"<html>replayed</html>")
    deleting = mark_deleting(half_deleted["id"])

    result, found = reconcile(*now_args())
    assert result.returncode == 1, result.stdout
    assert found["missing"] == 2, result.stdout        # the thumbnail and an original
    assert found["orphans"] == 3, result.stdout        # two in the layout, one staged
    assert found["stale"] == 1, result.stdout
    assert found["pending"] == 1, result.stdout
    assert found["deleting"] == (1 if deleting else 0), result.stdout
    assert found["miscounted"] == (1 if deleting else 0), "the row was marked behind the counter's back"
    assert found["fixed"] == 0 and found["rows"] >= 4
    assert thumbnail["objectKey"] in result.stdout and orphan_private in result.stdout and pending_id in result.stdout
    assert abandoned_staged in result.stdout and pending_staged not in result.stdout
    assert head(public, orphan_public), "a report alone changes nothing"

    result, fixed = reconcile(*now_args("--fix"))
    assert result.returncode == 0, result.stdout
    assert fixed["fixed"] == fixed["missing"] + fixed["orphans"] + fixed["stale"] + fixed["pending"] + fixed["deleting"] \
        + fixed["unindexed"] + fixed["miscounted"]
    assert fixed["fixed"] >= 6, result.stdout
    assert not head(public, orphan_public) and not head(private, orphan_private) and not head(public, stale)
    assert not head(private, abandoned_staged) and not head(private, pending_staged)
    assert api("GET", f"/api/v1/media/{pending_id}", key=key).status_code == 404
    assert api("GET", f"/api/v1/media/{lost_original['id']}", key=key).json()["status"] == "failed"
    if deleting:
        assert objects_under(f"{ORG}/{half_deleted['id']}/") == []
    # The variants job rebuilt the thumbnail from the original.
    media = wait_ready(with_variants["id"], key)
    assert media["status"] == "ready" and "thumbnail" in [v["name"] for v in media["variants"]]
    assert head(public, thumbnail["objectKey"])

    result, again = reconcile(*now_args())
    assert result.returncode == 0, result.stdout
    assert [again[name] for name in ("missing", "orphans", "stale", "pending", "deleting", "unindexed", "miscounted", "fixed")] \
        == [0] * 8, result.stdout


def test_search_index_and_count_written_behind_the_services_back_are_reported_then_repaired(key):
    reconcile(*now_args("--fix"))
    tag = f"reindex{uuid.uuid4().hex[:10]}"
    media = uploaded(jpeg(), key=key, org=ORG, filename=f"{tag}.jpg")
    # Each list below is asked once (its own search text or limit): the read cache cannot
    # answer for the writes made behind the service's back.
    listing = lambda search: api("GET", "/api/v1/media/list", key=key, params={"search": search}).json()
    total = lambda limit: api("GET", "/api/v1/media/list", key=key, params={"limit": limit}).json()["total"]
    assert [m["id"] for m in listing(tag)["items"]] == [media["id"]]
    before = total(1)
    assert sql(f"DELETE FROM media_filename_grams WHERE media_id = '{media['id']}' AND gram = 'rei'")
    org_id = f"(SELECT id FROM organizations WHERE slug = '{ORG}')"
    assert sql(f"UPDATE organization_media_counts SET live = live + 5 WHERE organization_id = {org_id} LIMIT 1")
    assert listing(tag.upper())["items"] == [], "the search reads the index"
    assert total(2) == before + 5, "the total reads the counter"

    result, found = reconcile(*now_args("--search-index-only"))
    assert (result.returncode, found["unindexed"], found["miscounted"], found["rows"]) == (1, 1, 1, 0), result.stdout
    assert media["id"] in result.stdout and f"miscounted {ORG}" in result.stdout
    result, found = reconcile(*now_args())
    assert (result.returncode, found["unindexed"], found["miscounted"]) == (1, 1, 1), result.stdout
    result, fixed = reconcile(*now_args("--fix"))
    assert (result.returncode, fixed["unindexed"], fixed["miscounted"], fixed["fixed"]) == (0, 1, 1, 2), result.stdout
    assert [m["id"] for m in listing(tag.title())["items"]] == [media["id"]]
    assert total(3) == before


def test_index_rows_without_a_type_pass_every_filter_then_are_reported_and_typed(key):
    """Rows written before migration 5 (or by a host not yet upgraded) hold no type: a search
    under a type filter still confirms them against the media row, and reconcile types them."""
    reconcile(*now_args("--fix"))
    tag = f"untyped{uuid.uuid4().hex[:10]}"
    media = uploaded(jpeg(), key=key, org=ORG, filename=f"{tag}.jpg")
    assert sql(f"UPDATE media_filename_grams SET mime_type = '' WHERE media_id = '{media['id']}'")
    # Each list is asked once (its own search text): the read cache cannot answer for them.
    listing = lambda search, type_prefix: [m["id"] for m in api("GET", "/api/v1/media/list", key=key,
                                                                  params={"search": search, "type": type_prefix}).json()["items"]]
    assert listing(tag, "image/jpeg") == [media["id"]]
    assert listing(tag.upper(), "image/png") == []

    result, found = reconcile(*now_args("--search-index-only"))
    assert (result.returncode, found["unindexed"], found["miscounted"]) == (1, 1, 0), result.stdout
    result, fixed = reconcile(*now_args("--search-index-only", "--fix"))
    assert (result.returncode, fixed["unindexed"], fixed["fixed"]) == (0, 1, 1), result.stdout
    assert sql_lines(f"SELECT DISTINCT mime_type FROM media_filename_grams WHERE media_id = '{media['id']}'") == ["image/jpeg"]
    assert listing(tag.title(), "image/jpeg") == [media["id"]]


def test_a_young_object_is_left_alone_within_the_grace_period(key):
    client = s3()
    young = f"{ORG}/{new_id()}/original.jpg"
    client.put_object(Bucket=os.environ["S3_BUCKET"], Key=young, Body=b"in flight")
    try:
        result, found = reconcile("--org", ORG, "--grace-minutes", "60", "--fix")
        assert found["orphans"] == 0 and result.returncode == 0, result.stdout
        assert head(os.environ["S3_BUCKET"], young)
    finally:
        client.delete_object(Bucket=os.environ["S3_BUCKET"], Key=young)


def test_a_whole_installation_run_reports_and_usage_errors_are_64():
    result, found = reconcile()
    assert result.returncode in (0, 1) and found["rows"] >= 1 and found["fixed"] == 0
    bad = subprocess.run([os.path.join(BIN_DIR, "mediactl"), "reconcile", "--grace-minutes", "soon"], capture_output=True, text=True)
    assert bad.returncode == 64 and "--grace-minutes" in bad.stderr
    unknown = subprocess.run([os.path.join(BIN_DIR, "mediactl"), "reconcile", "--org", "no-such-org"], capture_output=True, text=True)
    assert unknown.returncode == 64 and "no organization" in unknown.stderr


def test_help_needs_no_configuration_and_an_option_never_takes_the_next_one_as_its_value():
    binary = os.path.join(BIN_DIR, "mediactl")
    for arguments in (["--help"], ["reconcile", "--help"], ["key", "create", "--help"], ["help", "org"]):
        shown = subprocess.run([binary, *arguments], env={}, capture_output=True, text=True)
        assert shown.returncode == 0 and "USAGE: mediactl" in shown.stdout, (arguments, shown.stdout, shown.stderr)
    assert "--fix" in subprocess.run([binary, "reconcile", "--help"], env={}, capture_output=True, text=True).stdout
    # Without settings, a command that needs them stops with EX_CONFIG and names the setting.
    unset = subprocess.run([binary, "routes"], env={}, capture_output=True, text=True)
    assert unset.returncode == 78 and "configuration error" in unset.stderr, unset.stderr
    # `--fix` is not an organization: the missing value is a usage error and nothing is repaired.
    taken = subprocess.run([binary, "reconcile", "--org", "--fix"], capture_output=True, text=True)
    assert taken.returncode == 64 and "--org" in taken.stderr and "reconcile:" not in taken.stdout, taken.stderr
