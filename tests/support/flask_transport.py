"""Lets the real `sync.client.CloudClient` talk to an in-process cloud app (Flask test
client) instead of a socket: the same requests, responses and error mapping."""
from __future__ import annotations

import json as jsonlib
from urllib.parse import urlsplit


class _Response:
    def __init__(self, response):
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = response.get_data()
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.content)


class FlaskSession:
    """A `requests.Session` stand-in routed to `app.test_client()`."""

    def __init__(self, app):
        self.client = app.test_client()
        self.calls: list[tuple[str, str]] = []

    def request(self, method, url, headers=None, timeout=None, json=None, params=None, **_):
        path = urlsplit(url).path
        self.calls.append((method, path))
        return _Response(self.client.open(path, method=method, headers=headers or {}, json=json,
                                          query_string=params))
