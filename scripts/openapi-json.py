#!/usr/bin/env python3
"""Writes public/openapi.json from openapi.yaml (the one source of the API description).

    scripts/openapi-json.py           regenerate public/openapi.json
    scripts/openapi-json.py --check   exit 1 if public/openapi.json is not up to date

The playground fetches the JSON (browsers parse JSON natively, YAML would need a library);
Tests/http/test_openapi.py runs --check so a YAML edit without regenerating fails.
"""
import json
import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(REPO, "openapi.yaml")
TARGET = os.path.join(REPO, "public", "openapi.json")


def render():
    with open(SOURCE, encoding="utf-8") as source:
        document = yaml.safe_load(source)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(arguments):
    text = render()
    if arguments == ["--check"]:
        with open(TARGET, encoding="utf-8") as target:
            if target.read() != text:
                print("public/openapi.json is out of date: run scripts/openapi-json.py", file=sys.stderr)
                return 1
        return 0
    if arguments:
        print(__doc__, file=sys.stderr)
        return 2
    with open(TARGET, "w", encoding="utf-8") as target:
        target.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
