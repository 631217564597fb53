"""Meta's side: `POST /{version}/{phone_number_id}/messages`, as the Cloud API answers it.

Takes `text` and `template` messages with Bearer auth; answers
`{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages":
[{"id": "wamid.…"}]}` (templates add `"message_status": "accepted"`), or a Graph error
`{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}`.
Refusal wording where Meta publishes none is the simulator's own (docs/notifications.md).
"""
from __future__ import annotations

import re
import time

from flask import Blueprint, jsonify

from simulators.whatsapp.core import ERRORS, fill, placeholders
from simulators.whatsapp.store import SimMessage, new_wamid, now
from simulators.whatsapp.web import bearer_is, graph_error, json_object, simulator

bp = Blueprint("whatsapp_cloud_api", __name__)

_VERSION = re.compile(r"^v\d{1,3}\.\d{1,2}$")
_PHONE = re.compile(r"^\+?[1-9]\d{7,14}$")
MAX_TEXT = 4096


def _invalid(details: str, code: int = 131009):
    title = ERRORS[code][0]
    return graph_error(400, code, f"(#{code}) {title}", details=details)


def _required(name: str):
    return graph_error(400, 100, f"(#100) The parameter {name} is required.")


def _body_parameters(template: dict) -> list[str]:
    parameters = []
    for component in template.get("components") or []:
        if isinstance(component, dict) and component.get("type") == "body":
            for parameter in component.get("parameters") or []:
                if isinstance(parameter, dict) and parameter.get("type") == "text":
                    parameters.append(str(parameter.get("text", "")))
    return parameters


def _check_template(sim, name: str, language: str, parameters: list[str]):
    """Meta's refusals of a template send: 132001 (HTTP 404) for a name not approved in that
    language, 132000 when the body's parameters are not as many as its {{n}}."""
    approved = sim.config.approved(name, language)
    if approved is None:
        return None, graph_error(404, 132001, f"(#132001) {ERRORS[132001][0]}",
                                 details=f"template name ({name}) does not exist in {language}")
    expected = placeholders(approved["body"])
    if len(parameters) != expected:
        return None, graph_error(400, 132000, f"(#132000) {ERRORS[132000][0]}",
                                 details=f"body: number of localizable_params ({len(parameters)}) does not match "
                                         f"the expected number of params ({expected})")
    return fill(approved["body"], parameters), None


@bp.post("/<version>/<phone_number_id>/messages")
def send(version, phone_number_id):
    sim = simulator()
    if not _VERSION.match(version):
        return graph_error(400, 2500, f"Unknown path components: /{version}/{phone_number_id}/messages")
    if not bearer_is(sim.account.access_token):
        return graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
    if phone_number_id != sim.account.phone_number_id:
        return graph_error(400, 100, f"Unsupported post request. Object with ID '{phone_number_id}' does not exist, "
                                     "cannot be loaded due to missing permissions, or does not support this "
                                     "operation.", type_="GraphMethodException", subcode=33)
    if sim.config.response_delay_ms:
        time.sleep(sim.config.response_delay_ms / 1000)
    fault = sim.next_api_error()
    if fault is not None:
        code = int(fault.get("code", 131000))
        title, details = ERRORS.get(code, ("Simulated error", "The simulator was told to answer this."))
        return graph_error(int(fault.get("http_status", 500)), code, f"(#{code}) {title}", details=details)
    body = json_object()
    if body is None or body.get("messaging_product") != "whatsapp":
        return _required("messaging_product")
    to = body.get("to")
    if not isinstance(to, str) or not to:
        return _required("to")
    if not _PHONE.match(to):
        return _invalid(f"Invalid parameter 'to': {to!r} is not a phone number with its country code")
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        return _invalid("The simulator takes recipient_type individual only")
    kind = body.get("type", "text")
    reference = body.get("biz_opaque_callback_data")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 512):
        return _invalid("biz_opaque_callback_data is a string of at most 512 characters")
    template = None
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"]:
            return _required("text['body']")
        if len(text["body"]) > MAX_TEXT:
            return _invalid(f"text['body'] is longer than {MAX_TEXT} characters")
        shown = text["body"]
    elif kind == "template":
        raw = body.get("template")
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
            return _required("template['name']")
        language = raw.get("language")
        if not isinstance(language, dict) or not isinstance(language.get("code"), str) or not language["code"]:
            return _required("template['language']['code']")
        parameters = _body_parameters(raw)
        shown, refusal = _check_template(sim, raw["name"], language["code"], parameters)
        if refusal is not None:
            return refusal
        template = {"name": raw["name"], "language": language["code"], "parameters": parameters}
    else:
        return _invalid(f"The simulator takes text and template messages, not {kind!r}")
    wa_id = to.lstrip("+")
    # Meta takes free text outside the customer service window, then fails it by webhook (131047)
    outside = kind == "text" and not sim.config.window_open(wa_id, time.time())
    message = sim.accept(SimMessage(new_wamid(wa_id), phone_number_id, to, wa_id, kind, shown, template,
                                    reference, now()), fail_code=131047 if outside else None)
    answer = {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": wa_id}],
              "messages": [{"id": message.id}]}
    if kind == "template":
        answer["messages"][0]["message_status"] = "accepted"
    return jsonify(answer)
