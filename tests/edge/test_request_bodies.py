"""Request bodies the edge refuses before any view reads them: JSON nested deeper than
the limit, and text that is not JSON, are a 400 INVALID_JSON on every route that takes
a body (public ones included), never a RecursionError and a 500."""
import logging
import re

DEEP = '{"refresh": ' + "[" * 1000 + "]" * 1000 + "}"


def body_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT"}):
            yield method, re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "1", rule.rule)


def test_a_deeply_nested_body_is_invalid_json_on_every_route(edge_app, client, manager, caplog):
    caplog.set_level(logging.ERROR)
    wrong = []
    for method, path in body_routes(edge_app):
        for headers in ({}, manager.headers):
            response = client.open(path, method=method, data=DEEP, content_type="application/json", headers=headers)
            if (response.status_code, (response.get_json(silent=True) or {}).get("code")) != (400, "INVALID_JSON"):
                wrong.append(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:80]}")
    assert wrong == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_body_that_is_not_json_is_invalid_json(client):
    response = client.post("/api/auth/login/", data='{"username": "a", ', content_type="application/json")
    assert (response.status_code, response.json["code"]) == (400, "INVALID_JSON")


def test_a_socket_packet_nested_too_deep_is_dropped_with_a_warning(edge_app, client, caplog):
    from edge.extensions import socketio
    from tests.edge.conftest import login

    caplog.set_level(logging.WARNING)
    screen = socketio.test_client(edge_app, auth={"token": login(client, "kitchen", password="kitchen123")})
    screen.get_received()
    deep = "[" * 3000 + "]" * 3000
    socketio.server._handle_eio_message(screen.eio_sid, f'2["resync",{deep}]')  # what a raw client could send
    assert screen.is_connected() and screen.get_received() == []
    assert "nested deeper than" in caplog.text and "Traceback" not in caplog.text
    screen.emit("resync", {"last_seq": 0})  # the connection still works
    assert [m["name"] for m in screen.get_received()] in (["snapshot", "synced"], ["synced"])
