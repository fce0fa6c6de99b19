"""Checks HTTP responses against docs/openapi.json, the OpenAPI 3.1
document ykien serves at /api/v1/openapi.json.

    from openapi_check import check_response
    check_response(r)    # r: a requests.Response with a JSON body

Finds the operation of the request (method and path template), the
response the document gives for its status (exact, then 4XX/5XX, then
default) and validates the body against that response's JSON schema with
python3-jsonschema (draft 2020-12, the dialect of OpenAPI 3.1).  A path or
method the document does not have may only answer an error, and the error
must have the Error schema.  A status the document does not list for the
operation fails: the document must say every answer the code gives.
"""
import json
import os
import re
from urllib.parse import urlsplit

import jsonschema
from jsonschema import Draft202012Validator

HERE = os.path.dirname(os.path.abspath(__file__))
DOC_PATH = os.path.join(HERE, "..", "..", "docs", "openapi.json")

_doc = None
_routes = None
_validators = {}


def document():
    global _doc, _routes
    if _doc is None:
        with open(DOC_PATH, encoding="utf-8") as f:
            _doc = json.load(f)
        routes = []
        for template in _doc["paths"]:
            rx = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            # literal paths before templated ones
            routes.append((template.count("{"), template, re.compile(rx)))
        _routes = sorted(routes)
    return _doc


def _resolve(obj):
    doc = document()
    while isinstance(obj, dict) and "$ref" in obj:
        node = doc
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def _validator(schema):
    key = json.dumps(schema, sort_keys=True)
    v = _validators.get(key)
    if v is None:
        resolver = jsonschema.RefResolver.from_schema(document())
        v = Draft202012Validator(schema, resolver=resolver)
        _validators[key] = v
    return v


def find_operation(method, path):
    """(template, operation) of a request, or (template or None, None)."""
    doc = document()
    for _, template, rx in _routes:
        if rx.match(path):
            item = doc["paths"][template]
            return template, item.get(method.lower())
    return None, None


def check_body(schema, body, where):
    errors = sorted(_validator(schema).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        at = "/".join(str(p) for p in e.absolute_path)
        raise AssertionError(f"{where}: body does not match docs/openapi.json at "
                             f"'{at}': {e.message[:300]}")


def check_response(r):
    """Validates r (a requests.Response with a JSON body) against the
    document.  Raises AssertionError on a mismatch."""
    method = r.request.method.upper()
    if method == "HEAD":
        return
    check_answer(method, urlsplit(r.request.url).path, r.status_code, r.json())


def check_answer(method, path, status, body):
    """Validates a decoded JSON body, the answer with status to method on
    path (without its query), against the document."""
    method = method.upper()
    where = f"{method} {path} -> {status}"
    template, operation = find_operation(method, path)
    if operation is None:
        assert status >= 400, f"{where}: not in docs/openapi.json"
        check_body({"$ref": "#/components/schemas/Error"}, body, where)
        return
    responses = operation["responses"]
    response = None
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            response = _resolve(responses[key])
            break
    assert response is not None, \
        f"{where}: docs/openapi.json lists no {status} for {method} {template}"
    content = response.get("content", {})
    media = content.get("application/json")
    assert media is not None, \
        f"{where}: docs/openapi.json has no JSON body for {status} of {method} {template}"
    check_body(media["schema"], body, where)
