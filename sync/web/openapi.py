"""Finishing touches on the generated OpenAPI document: security, headers, errors.

The views' `_access` marks say which operations need a bearer token; every operation
documents the contract's error body for its failures, and create operations document
the `Idempotency-Key` header.
"""
from __future__ import annotations

import re

from sync.web.errors import ERROR_SCHEMA

_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _openapi_path(rule: str) -> str:
    return _CONVERTER.sub(r"{\1}", rule)


def install_spec_processor(app, extra_schemes: dict | None = None, user_headers: tuple[dict, ...] = ()) -> None:
    """`user_headers`: header parameters every user-authenticated operation accepts
    (the cloud's X-Tenant-ID, the edge's X-Terminal-ID)."""
    app.config["HTTP_ERROR_SCHEMA"] = ERROR_SCHEMA
    app.config["VALIDATION_ERROR_SCHEMA"] = ERROR_SCHEMA

    @app.spec_processor
    def _process(spec: dict) -> dict:
        components = spec.setdefault("components", {})
        components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        schemes = components.setdefault("securitySchemes", {})
        schemes["BearerAuth"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        schemes["DeviceToken"] = {"type": "http", "scheme": "bearer",
                                  "description": "The dev_... credential an edge got from the cloud's /api/sync/enroll/"}
        schemes.update(extra_schemes or {})
        error_ref = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for rule in app.url_map.iter_rules():
            view = app.view_functions.get(rule.endpoint)
            path = spec.get("paths", {}).get(_openapi_path(rule.rule))
            if view is None or path is None:
                continue
            access = getattr(view, "_access", None)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                operation = path.get(method.lower())
                if operation is None:
                    continue
                operation["x-access"] = access
                if access == "device":
                    operation["security"] = [{"DeviceToken": []}]
                elif access and access != "public":
                    operation["security"] = [{"BearerAuth": []}]
                    operation.setdefault("parameters", []).extend(dict(h) for h in user_headers)
                responses = operation.setdefault("responses", {})
                for status in ("400", "404", "422"):
                    if status in responses:
                        responses[status] = error_ref
                responses.setdefault("default", error_ref)
                if getattr(view, "_writes", False) and method == "POST":
                    params = operation.setdefault("parameters", [])
                    params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                                   "schema": {"type": "string", "maxLength": 200},
                                   "description": "Repeat a create safely: the first response is returned"})
        return spec
