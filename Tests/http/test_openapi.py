"""openapi.yaml: a valid OpenAPI 3.1 document, public/openapi.json generated from it, and the
same routes as the router (`mediactl routes`), except for an explicit list of contract routes
that are documented but not built yet."""
import json
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

from installs import require_module
from support import mediactl

REPO = pathlib.Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
TAGS = ["System", "Upload", "Query", "Processing", "Variants", "Downloads", "Delete", "Jobs"]

# Routes of the contract (api.md) that the document describes and the router does not have
# yet (empty since presign and download landed). It may only shrink: a route listed here that
# the router knows fails test_not_yet_implemented_is_exactly_what_the_router_lacks, and a
# documented route the router lacks fails unless it is listed, so the list stays honest.
NOT_YET_IMPLEMENTED: set[tuple[str, str]] = set()

# Routes outside the JSON API: on-the-fly transforms speak imgproxy's URL format (signed,
# options as path segments, images in and out), documented in the README with imgproxy's
# own client libraries, not as an OpenAPI operation.
OUTSIDE_THE_JSON_API = {("GET", "/img/{path}"), ("HEAD", "/img/{path}")}


def load_document():
    with open(REPO / "openapi.yaml", encoding="utf-8") as source:
        return yaml.safe_load(source)


def documented_routes(document):
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item if method in METHODS}


def router_routes():
    """`METHOD PATTERN` lines from mediactl, wildcards written the OpenAPI way ({name...} → {name})."""
    lines = mediactl("routes").stdout.splitlines()
    assert lines, "mediactl routes printed nothing"
    routes = set()
    for line in lines:
        method, pattern = line.split(" ")
        routes.add((method, re.sub(r"\{([A-Za-z0-9_]+)\.\.\.\}", r"{\1}", pattern)))
    return routes


def test_document_is_valid_openapi_3_1():
    validator = require_module("openapi_spec_validator", "openapi-spec-validator>=0.7")
    document = load_document()
    assert document["openapi"].startswith("3.1.")
    validator.validate(document)


def test_public_copies_are_generated_from_the_yaml():
    with open(REPO / "public" / "openapi.json", encoding="utf-8") as generated:
        assert json.load(generated) == load_document(), "run scripts/openapi-json.py"
    assert (REPO / "public" / "openapi.yaml").read_bytes() == (REPO / "openapi.yaml").read_bytes()
    check = subprocess.run([sys.executable, str(REPO / "scripts" / "openapi-json.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_every_router_route_is_documented():
    undocumented = router_routes() - OUTSIDE_THE_JSON_API - documented_routes(load_document())
    assert not undocumented, f"routes missing from openapi.yaml: {sorted(undocumented)}"


def test_not_yet_implemented_is_exactly_what_the_router_lacks():
    documented, implemented = documented_routes(load_document()), router_routes() - OUTSIDE_THE_JSON_API
    assert NOT_YET_IMPLEMENTED <= documented, "NOT_YET_IMPLEMENTED names routes the document does not have"
    now_built = NOT_YET_IMPLEMENTED & implemented
    assert not now_built, f"these routes exist now, remove them from NOT_YET_IMPLEMENTED: {sorted(now_built)}"
    missing = documented - implemented
    print("contract routes not implemented yet:", *(sorted(f"{m} {p}" for m, p in missing) or ["none"]), sep="\n  ")
    assert missing == NOT_YET_IMPLEMENTED, f"documented but not routed, and not listed as pending: {sorted(missing - NOT_YET_IMPLEMENTED)}"


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def deref(document, node):
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@pytest.mark.parametrize("method,path,operation", list(operations(load_document())),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_operation_teaches_and_follows_the_conventions(method, path, operation):
    document = load_document()
    assert operation.get("tags") and operation["tags"][0] in TAGS
    assert operation.get("operationId")
    assert operation.get("summary") and "\n" not in operation["summary"].strip(), "a one-line summary"
    assert len(operation.get("description", "")) > 60, "a description that says when to use it"
    open_route = path in ("/healthz", "/metrics")
    assert (operation.get("security") == []) == open_route, "only /healthz and /metrics are open"
    if not open_route:
        assert "401" in operation["responses"] and "429" in operation["responses"]
    for status, response in operation["responses"].items():
        response = deref(document, response)
        assert "X-Request-Id" in response.get("headers", {}), f"{status} lacks X-Request-Id"
        if status[0] in "45" and status != "416" and not open_route:
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, f"{status} does not use the error envelope"
    for parameter in operation.get("parameters", []) + document["paths"][path].get("parameters", []):
        parameter = deref(document, parameter)
        if parameter["in"] == "path":
            assert f"{{{parameter['name']}}}" in path


def test_security_schemes_are_bearer_and_x_api_key():
    document = load_document()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKeyHeader"] == {**schemes["apiKeyHeader"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert document["security"] == [{"bearerAuth": []}, {"apiKeyHeader": []}]
    assert [tag["name"] for tag in document["tags"]] == TAGS


def test_wildcard_parameters_are_marked():
    document = load_document()
    for path, name in [("/api/v1/media/download/{bucket}/{objectKey}", "objectKey"),
                       ("/api/v1/media/variant/{bucket}/{variantName}/{folder}", "folder")]:
        parameters = [deref(document, p) for p in document["paths"][path]["parameters"]]
        assert any(p["name"] == name and p.get("x-wildcard") is True for p in parameters), path
