"""Loaded by schemathesis (SCHEMATHESIS_HOOKS): tus bodies are raw bytes like octet-stream ones."""
import schemathesis
from schemathesis.transport.serialization import serialize_binary


@schemathesis.serializer("application/offset+octet-stream")
def tus_body(ctx, value):
    return serialize_binary(value)
