#!/usr/bin/env python3
"""Writes public/openapi.json and public/openapi.yaml from openapi.yaml, the one source of
the API description (nginx serves public/ only; a copy rather than a symbolic link so that
any way of deploying public/ carries it).

    scripts/openapi-json.py           regenerate both
    scripts/openapi-json.py --check   exit 1 if either is not up to date

The playground fetches the JSON (browsers parse JSON natively, YAML would need a library);
Tests/http/test_openapi.py runs --check so a YAML edit without regenerating fails.
"""
import json
import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(REPO, "openapi.yaml")
PUBLIC = os.path.join(REPO, "public")


def render():
    """{path: text} of every generated file."""
    with open(SOURCE, encoding="utf-8") as source:
        text = source.read()
    document = yaml.safe_load(text)
    return {
        os.path.join(PUBLIC, "openapi.json"): json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        os.path.join(PUBLIC, "openapi.yaml"): text,
    }


def read(path):
    try:
        with open(path, encoding="utf-8") as existing:
            return existing.read()
    except FileNotFoundError:
        return None


def main(arguments):
    files = render()
    if arguments == ["--check"]:
        stale = [os.path.relpath(path, REPO) for path, text in files.items() if read(path) != text]
        if stale:
            print(f"{', '.join(stale)} out of date: run scripts/openapi-json.py", file=sys.stderr)
            return 1
        return 0
    if arguments:
        print(__doc__, file=sys.stderr)
        return 2
    for path, text in files.items():
        if os.path.islink(path):
            os.remove(path)
        with open(path, "w", encoding="utf-8") as target:
            target.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
