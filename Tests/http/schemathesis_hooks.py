"""schemathesis hooks (loaded by schemathesis.toml): what the document cannot know.

A bucket must be one the installation is configured with, else 400 (api.md, "Object-key
rules"); which names exist is the installation's choice, so the document gives only their
shape. Before each call, a bucket of that shape becomes the stack's S3_BUCKET, in the path, the
query and JSON bodies alike and in every phase (schemathesis' own `parameters` setting misses
bodies in the coverage phase). A malformed one is left as it is, so a negative case stays
negative. tus bodies (application/offset+octet-stream) are sent as raw bytes."""
import os
import pathlib
import re

import schemathesis
import yaml
from schemathesis.transport.serialization import serialize_binary

DOCUMENT = pathlib.Path(__file__).resolve().parents[2] / "openapi.yaml"
SHAPE = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]["BucketName"]
BUCKET = os.environ["S3_BUCKET"]
FIELDS = (("path_parameters", "bucket"), ("query", "bucket"), ("query", "bucketName"), ("body", "bucketName"))


@schemathesis.hook
def before_call(context, case, **kwargs):
    for place, name in FIELDS:
        values = getattr(case, place, None)
        if isinstance(values, dict) and has_bucket_shape(values.get(name)):
            values[name] = BUCKET


def has_bucket_shape(value):
    return (isinstance(value, str) and SHAPE["minLength"] <= len(value) <= SHAPE["maxLength"]
            and re.search(SHAPE["pattern"], value) is not None)


@schemathesis.serializer("application/offset+octet-stream")
def tus_body(ctx, value):
    return serialize_binary(value)
