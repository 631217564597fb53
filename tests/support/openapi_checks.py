"""What the suite's schemathesis runs hold both apps to, beyond "no 5xx" and "answers as
documented": a request the document calls valid is not refused with a 400 or 422 unless
the operation lists that refusal (`x-refusals`: rules a schema cannot state, such as an
id that names nothing), and a request the document calls invalid is not accepted."""
from __future__ import annotations

from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

__all__ = ["documented_refusals_only", "negative_data_rejection", "configure"]


def documented_refusals_only(ctx, response, case):
    """`positive_data_acceptance`, except for the operation's documented refusals."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        try:
            code = (response.json() or {}).get("code")
        except ValueError:
            code = None
        if response.status_code in (400, 422) and code in case.operation.definition.raw.get("x-refusals", {}):
            return None
        raise


def configure(schema) -> None:
    """The run's generation: no NUL characters (both apps refuse them in any text, 400
    INVALID_TEXT, which a schema cannot say for every string), no Authorization header
    of schemathesis' own (the tests send real credentials), and no made-up headers or
    query parameters (HTTP servers ignore what they do not know, by design)."""
    schema.config.generation.update(allow_x00=False, with_security_parameters=False, allow_extra_parameters=False)
