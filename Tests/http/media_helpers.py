"""Making test images and uploading them, shared by the media tests."""
import io
import os

import boto3
from PIL import Image

from support import api, mediactl

ORG = os.environ.get("MEDIA_DEMO_ORG", "demo")


def jpeg(width=640, height=480, color=(200, 40, 40), exif=None, **save):
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    image.save(out, "JPEG", quality=85, **save)
    return out.getvalue()


def png_with_alpha(width=300, height=200):
    image = Image.new("RGBA", (width, height), (10, 120, 200, 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(data, filename="photo.jpg", key=None, org=ORG, **fields):
    form = {"orgSlug": org}
    form.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()})
    kwargs = {"files": {"file": (filename, data, "application/octet-stream")}, "data": form}
    return api("POST", "/api/v1/media/upload", **({"key": key} if key else {}), **kwargs)


def uploaded(data=None, **kw):
    response = upload(data or jpeg(), **kw)
    assert response.status_code == 201, response.text
    return response.json()["media"]


def s3():
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["S3_REGION"],
                        aws_access_key_id=os.environ["S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=os.environ["S3_SECRET_ACCESS_KEY"])


def objects_under(prefix):
    """Keys under `prefix` in the public and the private bucket."""
    client = s3()
    keys = []
    for bucket in (os.environ["S3_BUCKET"], os.environ.get("S3_PRIVATE_BUCKET", os.environ["S3_BUCKET"] + "-private")):
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [(bucket, item["Key"]) for item in page.get("Contents", [])]
    return keys


_other = {}


def other_org():
    """A second organization and its key, for isolation checks."""
    if not _other:
        mediactl("org", "create", "other-org", "--name", "Other", "--if-not-exists")
        key = mediactl("key", "create", "--org", "other-org", "--name", "isolation").stdout.strip().splitlines()[-1]
        _other.update(slug="other-org", key=key)
    return _other
