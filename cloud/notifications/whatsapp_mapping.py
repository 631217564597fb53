"""A template's WhatsApp approved-template mapping: checked when saved, filled when rendered.

Outside the customer's 24-hour service window Meta delivers only templates it approved
(free text then fails with 131047). A tenant names the approved template (its name and
language code, as in WhatsApp Manager) and lists which of our variables fill its body
parameters {{1}}, {{2}}, ... in order. A message of such a template is sent as
`"type": "template"` with those values; a template without a mapping as free text.

Meta's rules for the values (Cloud API "Send message templates"; error 132018): a body
parameter's text has no new-lines or tabs and no more than four spaces in a row, and it
may not be empty; values are folded to fit (whitespace runs become one space, an empty
value becomes "-").
"""
from __future__ import annotations

import re

from cloud.notifications.catalogue import ITEMS, TemplateType
from cloud.notifications.errors import TemplateError

FIELD = "whatsapp_template"
# WhatsApp Manager: template names are lowercase letters, digits and underscores, at most 512
_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
# Meta's supported languages: 'id', 'en', 'en_US', 'pt_BR', 'zh_CN', 'fil', ...
_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2,3})?$")
MAX_PARAMETERS = 100
EMPTY_VALUE = "-"


def check(mapping, template_type: TemplateType, channel: str) -> dict | None:
    """The mapping as stored ({"name", "language", "variables"}), or None for none;
    raises TemplateError on `whatsapp_template.<key>`."""
    if mapping is None:
        return None
    if channel != "whatsapp":
        raise TemplateError("only WhatsApp templates map to an approved WhatsApp template", "NOT_WHATSAPP", FIELD)
    if not isinstance(mapping, dict):
        raise TemplateError("whatsapp_template is an object with name, language and variables", "INVALID_VALUE",
                            FIELD)
    unknown = set(mapping) - {"name", "language", "variables"}
    if unknown:
        raise TemplateError(f"whatsapp_template takes name, language and variables; not {', '.join(sorted(unknown))}",
                            "UNKNOWN_FIELD", f"{FIELD}.{sorted(unknown)[0]}")
    name, language = mapping.get("name"), mapping.get("language")
    if not isinstance(name, str) or not _NAME.match(name):
        raise TemplateError("the approved template's name as WhatsApp Manager shows it: lowercase letters, digits "
                            "and underscores, at most 512", "INVALID_TEMPLATE_NAME", f"{FIELD}.name")
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise TemplateError("the approved template's language code, such as 'id' or 'en_US'", "INVALID_LANGUAGE",
                            f"{FIELD}.language")
    variables = mapping.get("variables", [])
    if not isinstance(variables, list) or len(variables) > MAX_PARAMETERS:
        raise TemplateError(f"variables is a list (at most {MAX_PARAMETERS}) of this type's variables, one per "
                            "body parameter {{1}}, {{2}}, ...", "INVALID_VALUE", f"{FIELD}.variables")
    for index, name_ in enumerate(variables):
        where = f"{FIELD}.variables.{index}"
        variable = template_type.variables.get(name_) if isinstance(name_, str) else None
        if variable is None:
            raise TemplateError(f"unknown variable {name_!r} for {template_type.name} templates; known: "
                                f"{', '.join(template_type.variables)}", "UNKNOWN_VARIABLE", where,
                                variable=name_ if isinstance(name_, str) else None)
        if variable.kind == ITEMS:
            raise TemplateError(f"'{name_}' is a list of items, not one value for a body parameter",
                                "INVALID_VALUE", where, variable=name_)
    return {"name": name, "language": language, "variables": list(variables)}


def fold(text: str) -> str:
    """One value as Meta takes a body parameter: one line, single spaces, never empty."""
    return " ".join(text.split()) or EMPTY_VALUE


def filled(mapping: dict | None, context: dict) -> dict | None:
    """What one message sends ({"name", "language", "parameters"}) from the render context
    (values as templates see them: money and dates print as in the body)."""
    if mapping is None:
        return None
    return {"name": mapping["name"], "language": mapping["language"],
            "parameters": [fold(str(context[name])) for name in mapping.get("variables") or []]}
