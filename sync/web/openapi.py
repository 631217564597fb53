"""Finishing touches on the generated OpenAPI document: security, headers, errors.

The views' `_access` marks say which operations need a bearer token; every operation
documents the contract's error body for its failures, and create operations document
the `Idempotency-Key` header. The document describes what the apps accept: path ids in
the range their converter takes, a body marked required when its schema has required
fields, the headers' exact shapes. What a request of the documented shape may still be
refused for (a rule the schema cannot state: an id that names nothing, a business rule)
is listed per operation in `x-refusals` (code: why) and in its 400/422 description;
views declare theirs with `@refuses(CODE="why")`. The suite's schemathesis run holds
the apps to exactly that: documented-valid requests get no other 400 or 422.
"""
from __future__ import annotations

import re

from sync.web.errors import ERROR_SCHEMA
from sync.web.idempotency import KEY_PATTERN

_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
KEY_REUSED = {"IDEMPOTENCY_KEY_REUSED": "422: the Idempotency-Key was used before with another request"}
NAMED_TENANT = {"TENANT_REQUIRED": "called without a token, and neither X-Tenant-ID nor ?tenant_id= names the tenant"}


def refuses(**codes: str):
    """Declare the codes a view answers a well-formed request with (400 unless the text
    starts with the status, e.g. "422: …"), and why: they go into the document."""

    def decorator(view):
        view._refusals = {**getattr(view, "_refusals", {}), **codes}
        return view

    return decorator


def _resolve(spec: dict, schema: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = spec.get("components", {}).get("schemas", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema or {}


def _add_schema_extras(app, schemas: dict) -> None:
    """What a marshmallow schema cannot say by its fields (one of two fields required),
    from its `json_schema_extra` attribute, into its component."""
    from apiflask import Schema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for cls in subclasses(Schema):
        extra = cls.__dict__.get("json_schema_extra")
        if extra and cls.__name__ in schemas and cls.__module__.split(".")[0] == app.name:
            schemas[cls.__name__].update(extra)


def _require_body_with_required_fields(spec: dict, operation: dict) -> None:
    body = operation.get("requestBody")
    if not body:
        return
    for media in body.get("content", {}).values():
        if _resolve(spec, media.get("schema", {})).get("required"):
            body["required"] = True


def _bound_path_ids(operation: dict, max_id: int | None) -> None:
    for param in operation.get("parameters", []):
        if param.get("in") == "path" and param.get("schema", {}).get("type") == "integer" and max_id:
            param["schema"] = {"type": "integer", "minimum": 0, "maximum": max_id}


def _document_refusals(operation: dict, refusals: dict, error_ref: dict) -> None:
    if not refusals:
        return
    operation["x-refusals"] = dict(sorted(refusals.items()))
    responses = operation.setdefault("responses", {})
    by_status: dict[str, list] = {}
    for code, why in refusals.items():
        status, text = (why[:3], why[5:]) if why[:3].isdigit() and why[3:5] == ": " else ("400", why)
        by_status.setdefault(status, []).append((code, text))
    for status, listed in by_status.items():
        if listed:
            lines = "\n".join(f"- `{code}`: {why}" for code, why in sorted(listed))
            responses[status] = {**error_ref, "description": f"Refused; besides malformed input also:\n{lines}"}


def _openapi_path(rule: str) -> str:
    return _CONVERTER.sub(r"{\1}", rule)


def install_spec_processor(app, extra_schemes: dict | None = None, user_headers: tuple[dict, ...] = (),
                           max_id: int | None = None) -> None:
    """`user_headers`: header parameters every user-authenticated operation accepts
    (the cloud's X-Tenant-ID, the edge's X-Terminal-ID); `max_id`: the largest path id
    the app's routes take."""
    app.config["HTTP_ERROR_SCHEMA"] = ERROR_SCHEMA
    app.config["VALIDATION_ERROR_SCHEMA"] = ERROR_SCHEMA

    @app.spec_processor
    def _process(spec: dict) -> dict:
        components = spec.setdefault("components", {})
        components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        _add_schema_extras(app, components["schemas"])
        schemes = components.setdefault("securitySchemes", {})
        schemes["BearerAuth"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        schemes["DeviceToken"] = {"type": "http", "scheme": "bearer",
                                  "description": "The dev_... credential an edge got from the cloud's"
                                                 " /api/sync/enroll/"}
        schemes.update(extra_schemes or {})
        error_ref = {"description": "Error",
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
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
                refusals = dict(getattr(view, "_refusals", {}))
                if access == "device":
                    operation["security"] = [{"DeviceToken": []}]
                elif access and access != "public":
                    operation["security"] = [{"BearerAuth": []}]
                    operation.setdefault("parameters", []).extend(dict(h) for h in user_headers)
                elif getattr(view, "_identifies", False):  # public, and reads a token when one is sent
                    operation["security"] = [{}, {"BearerAuth": []}]
                    operation.setdefault("parameters", []).extend(dict(h) for h in user_headers)
                    refusals.update(NAMED_TENANT)
                responses = operation.setdefault("responses", {})
                for status in ("400", "404", "422"):
                    if status in responses:
                        responses[status] = error_ref
                responses.setdefault("default", error_ref)
                if getattr(view, "_writes", False) and method == "POST":
                    params = operation.setdefault("parameters", [])
                    params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                                   "schema": {"type": "string", "pattern": KEY_PATTERN},
                                   "description": "Repeat a create safely: the first response is returned"})
                    refusals.update(KEY_REUSED)
                _bound_path_ids(operation, max_id)
                _require_body_with_required_fields(spec, operation)
                _document_refusals(operation, refusals, error_ref)
        return spec
