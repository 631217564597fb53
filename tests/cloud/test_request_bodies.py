"""Request bodies the cloud refuses before any view reads them: JSON nested deeper than
the limit, and text that is not JSON, are a 400 INVALID_JSON on every route that takes
a body (public ones included), never a RecursionError and a 500."""
import logging
import re

DEEP = '{"refresh": ' + "[" * 1000 + "]" * 1000 + "}"


def body_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT"}):
            yield method, re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "1", rule.rule)


def test_a_deeply_nested_body_is_invalid_json_on_every_route(app, client, world, caplog):
    caplog.set_level(logging.ERROR)
    wrong = []
    for method, path in body_routes(app):
        for headers in ({}, world.headers("tenant_owner")):
            response = client.open(path, method=method, data=DEEP, content_type="application/json", headers=headers)
            if (response.status_code, (response.get_json(silent=True) or {}).get("code")) != (400, "INVALID_JSON"):
                wrong.append(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:80]}")
    assert wrong == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_body_that_is_not_json_is_invalid_json(client):
    response = client.post("/api/auth/login/", data='{"username": "a", ', content_type="application/json")
    assert (response.status_code, response.json["code"]) == (400, "INVALID_JSON")


def test_a_body_within_the_limit_still_reaches_the_schema(client):
    response = client.post("/api/auth/refresh/", json={"refresh": [[["x"]]]})
    assert (response.status_code, response.json["field"]) == (400, "refresh")
