"""Response headers both apps send: API answers are never cached, the docs page is
locked down like the other pages.

API answers carry tokens (login, refresh, enrollment), staff and customers' details:
`Cache-Control: no-store` keeps them out of browser and proxy caches unless a view
chose otherwise (the docs assets). The docs page is APIFlask's Swagger UI shell with
one inline script; its Content-Security-Policy allows exactly that script (by hash),
the app's own assets, and no framing.
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import request

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_DOCS_CSP = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
             "frame-ancestors 'none'; form-action 'none'")


def script_hashes(html: bytes) -> str:
    """CSP sources for the page's inline scripts, e.g. "'sha256-…'"."""
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
                    for body in _INLINE_SCRIPT.findall(html))


def lock_down_page(response, csp: str):
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def install_response_headers(app) -> None:
    docs_path = getattr(app, "docs_path", None)

    @app.after_request
    def _headers(response):
        path = request.path
        if docs_path and path == docs_path and response.status_code == 200:
            lock_down_page(response, _DOCS_CSP.format(hashes=script_hashes(response.get_data())))
        if path.startswith("/api/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
