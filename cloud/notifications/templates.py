"""Tenant notification templates: checked when saved, rendered in a sandbox.

A template is text in a small subset of Jinja2 (plus the brief's `{{#if x}}…{{else}}…
{{/if}}`, translated to Jinja's `{% if %}` line for line). Three layers keep a
tenant's template from reaching anything but its own variables:

1. `check` parses the template and walks its syntax tree against a whitelist: only
   the type's variables (and a loop's own), only the attributes each kind of value
   has (never one starting with "_"), only a few filters and tests with constant
   arguments, `if`, `for` over the order's items (not nested), comparisons, `and`,
   `or`, `not`, `~`. No `set`, macros, calls, imports, arithmetic or ranges, so the
   work a render does is bounded by the template's length times the order's items.
2. Rendering runs in Jinja2's `SandboxedEnvironment` with no globals, the same
   filters, every binary operator intercepted and refused, and `StrictUndefined`.
3. The output is capped while it is produced (WhatsApp's 4096 characters, 200 kB of
   email HTML).

`check` also renders the type's sample data through the template, so a template that
cannot render is refused when saved, not when a customer should get it.
Email bodies autoescape (HTML); WhatsApp text and subjects are plain.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html.parser import HTMLParser
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.sandbox import SandboxedEnvironment

from cloud.notifications import whatsapp_mapping
from cloud.notifications.catalogue import (
    BOOL,
    CHANNELS,
    DATETIME,
    INT,
    ITEM_ATTRIBUTES,
    ITEMS,
    KIND_ATTRIBUTES,
    LOOP_ATTRIBUTES,
    MONEY,
    TEMPLATE_TYPES,
    TEXT,
    TemplateType,
)
from cloud.notifications.errors import TemplateError
from cloud.notifications.money import Money
from sync.money import parse_amount

MAX_SOURCE_CHARS = 20_000          # a template's body as stored
MAX_SUBJECT_CHARS = 255            # a rendered email subject
MAX_WHATSAPP_CHARS = 4096          # Meta: text.body "Maximum 4096 characters"
MAX_EMAIL_HTML_CHARS = 200_000
MAX_ITEMS = 1000                   # lines of one order a template may loop over
MAX_NESTING = 30                   # blocks and expressions inside one another
DATETIME_FORMAT = "%d/%m/%Y %H:%M"  # as the receipt prints it (printers.values.PrintLocale)

# Filters and tests a template may use; every argument must be a constant.
FILTERS = {"upper": (), "lower": (), "title": (), "capitalize": (), "trim": (), "length": (), "count": (),
           "first": (), "last": (), "truncate": ("length", "killwords", "end", "leeway"),
           "default": ("default_value", "boolean"), "d": ("default_value", "boolean"), "join": ("d",)}
TESTS = ("defined", "undefined", "none", "true", "false", "number", "string", "even", "odd")
COMPARISONS = {"eq", "ne", "lt", "lteq", "gt", "gteq", "in", "notin"}

# What a refused construct is called in the message (the Jinja node's name otherwise).
CONSTRUCT_NAMES = {
    "Assign": "{% set %}", "AssignBlock": "{% set %}", "Macro": "{% macro %}", "CallBlock": "{% call %}",
    "FilterBlock": "{% filter %}", "With": "{% with %}", "Include": "{% include %}", "Import": "{% import %}",
    "FromImport": "{% from … import %}", "Extends": "{% extends %}", "Block": "{% block %}",
    "Call": "calling a function", "Add": "arithmetic (+)", "Sub": "arithmetic (-)", "Mul": "arithmetic (*)",
    "Div": "arithmetic (/)", "FloorDiv": "arithmetic (//)", "Mod": "arithmetic (%)", "Pow": "arithmetic (**)",
    "Slice": "slicing", "Dict": "a dict", "ExprStmt": "{% do %}", "Continue": "{% continue %}",
    "Break": "{% break %}", "Scope": "a scope", "NSRef": "a namespace",
}


@dataclass(frozen=True)
class TemplateSource:
    """What a tenant saves: its type and channel, the body, and (email) the subject."""

    type: str
    channel: str
    body: str
    subject: str = ""
    whatsapp_template: dict | None = None   # the approved-template mapping (whatsapp_mapping.check)


@dataclass(frozen=True)
class Rendered:
    subject: str        # email only ('' for WhatsApp)
    text: str           # the WhatsApp message, or the email's text part
    html: str | None    # the email's HTML part (None for WhatsApp)
    whatsapp_template: dict | None = None   # {"name", "language", "parameters"}: sent as Meta's template


@dataclass(frozen=True)
class CheckResult:
    variables: tuple[str, ...]     # the type's variables the template uses, in first-use order
    warnings: tuple[str, ...]      # legal but probably not meant (a subject on a WhatsApp template)
    preview: Rendered              # the template with the type's sample data


# --- the brief's Handlebars conditionals, translated line for line ---------------------

# No two parts can match the same characters, so a scan is linear (no backtracking blow-up on
# long runs of spaces); the groups are stripped in Python.
_HANDLEBARS = re.compile(r"\{\{\{([^{}]*)\}\}\}|\{\{[ \t]*([#/]|else\b)([^{}]*)\}\}")


def translate(source: str) -> str:
    """`{{#if x}}`, `{{else if y}}`, `{{else}}`, `{{/if}}`, `{{#unless x}}`, `{{/unless}}` and
    `{{{x}}}` become Jinja; other block helpers are refused with their line."""

    def replace(match: re.Match) -> str:
        if match.group(1) is not None:
            return "{{ " + match.group(1).strip() + " }}"  # triple-stash: escaped all the same
        sigil, rest = match.group(2), match.group(3).strip()
        line = source.count("\n", 0, match.start()) + 1
        if sigil == "else":
            if not rest:
                return "{% else %}"
            helper, _, argument = rest.partition(" ")
            if helper == "if" and argument.strip():
                return "{% elif " + argument.strip() + " %}"
            raise TemplateError(f"'{match.group(0)}' is not supported; write {{{{else if x}}}} or {{{{else}}}} "
                                f"(line {line})", "TEMPLATE_SYNTAX", line=line)
        helper, _, argument = rest.partition(" ")
        if sigil == "#" and helper in ("if", "unless") and argument.strip():
            return "{% if " + ("not (" + argument.strip() + ")" if helper == "unless" else argument.strip()) + " %}"
        if sigil == "/" and helper in ("if", "unless") and not argument.strip():
            return "{% endif %}"
        instead = ("{% for item in items %}…{% endfor %}" if helper == "each"
                   else "{{#if x}}…{{else}}…{{/if}} or {% if x %}…{% endif %}")
        raise TemplateError(f"'{match.group(0)}' is not supported in notification templates; write {instead} "
                            f"(line {line})", "TEMPLATE_SYNTAX", line=line)

    return _HANDLEBARS.sub(replace, source)


# --- the whitelist walk ----------------------------------------------------------------

_ITEM, _LOOP = "item", "loop"  # kinds only the walk knows: one line of items, a for loop's `loop`


class _Checker:
    """Walks a parsed template; raises TemplateError at the first construct outside the subset."""

    def __init__(self, template_type: TemplateType, field: str):
        self.type = template_type
        self.field = field
        self.used: list[str] = []
        self.scopes: list[dict[str, str]] = []  # loop variables -> kind, innermost last
        self.depth = 0

    def refuse(self, node: nodes.Node, message: str, code: str = "TEMPLATE_NOT_ALLOWED",
               variable: str | None = None):
        line = getattr(node, "lineno", None)
        where = f" (line {line})" if line else ""
        raise TemplateError(message + where, code, self.field, line=line, variable=variable)

    def statements(self, body: list[nodes.Node]) -> None:
        for node in body:
            self.statement(node)

    def deeper(self, node: nodes.Node) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.refuse(node, f"the template nests more than {MAX_NESTING} levels deep", "TEMPLATE_TOO_COMPLEX")

    def statement(self, node: nodes.Node) -> None:
        self.deeper(node)
        try:
            self._statement(node)
        finally:
            self.depth -= 1

    def _statement(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expression(child)
        elif isinstance(node, nodes.If):
            self.expression(node.test)
            self.statements(node.body)
            for branch in node.elif_:
                self.statement(branch)
            self.statements(node.else_)
        elif isinstance(node, nodes.For):
            self.loop(node)
        else:
            self.refuse(node, f"{self.construct(node)} is not allowed in notification templates")

    def loop(self, node: nodes.For) -> None:
        if self.scopes:
            self.refuse(node, "loops inside loops are not allowed in notification templates")
        if node.recursive:
            self.refuse(node, "recursive loops are not allowed in notification templates")
        if not isinstance(node.target, nodes.Name):
            self.refuse(node, "a loop takes one name: {% for item in items %}")
        if self.expression(node.iter) != ITEMS:
            self.refuse(node, "loops go over the order's items only: {% for item in items %}")
        target = node.target.name
        if target in self.type.variables or target == "loop":
            self.refuse(node, f"the loop variable '{target}' hides a template variable; choose another name",
                        variable=target)
        self.scopes.append({target: _ITEM, "loop": _LOOP})
        try:
            if node.test is not None:
                self.expression(node.test)
            self.statements(node.body)
        finally:
            self.scopes.pop()
        self.statements(node.else_)

    def construct(self, node: nodes.Node) -> str:
        name = type(node).__name__
        return CONSTRUCT_NAMES.get(name, f"'{name}'")

    def name(self, node: nodes.Name) -> str | None:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        variable = self.type.variables.get(node.name)
        if variable is None:
            self.refuse(node, f"unknown variable '{node.name}' for {self.type.name} templates; known: "
                              f"{', '.join(sorted(self.type.variables))}", "UNKNOWN_VARIABLE", variable=node.name)
        if node.name not in self.used:
            self.used.append(node.name)
        return variable.kind

    def attribute(self, node: nodes.Node, kind: str | None, attribute: str) -> str:
        if attribute.startswith("_"):
            self.refuse(node, f"attribute '{attribute}' is not allowed (names starting with '_' are internal)",
                        "UNSAFE_ATTRIBUTE", variable=attribute)
        known = {_ITEM: ITEM_ATTRIBUTES, _LOOP: LOOP_ATTRIBUTES}.get(kind) or KIND_ATTRIBUTES.get(kind, {})
        if attribute not in known:
            offers = f"; it has {', '.join(sorted(known))}" if known else "; it has no attributes"
            self.refuse(node, f"a {kind or 'value'} has no attribute '{attribute}'{offers}", "UNKNOWN_ATTRIBUTE",
                        variable=attribute)
        return known[attribute]

    def constant(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Const) and isinstance(node.value, str | int | float | bool | type(None)):
            return
        if isinstance(node, nodes.Neg | nodes.Pos) and isinstance(node.node, nodes.Const) \
                and isinstance(node.node.value, int | float) and not isinstance(node.node.value, bool):
            return
        if isinstance(node, nodes.List | nodes.Tuple):
            for item in node.items:
                self.constant(item)
            return
        self.refuse(node, "filter and test arguments must be plain values such as 20 or 'text'")

    def expression(self, node: nodes.Node) -> str | None:
        """Check one expression; return the kind of its value where known (for attributes)."""
        self.deeper(node)
        try:
            return self._expression(node)
        finally:
            self.depth -= 1

    def _expression(self, node: nodes.Node) -> str | None:
        if isinstance(node, nodes.Name):
            return self.name(node)
        if isinstance(node, nodes.Const | nodes.Neg | nodes.Pos | nodes.List | nodes.Tuple):
            self.constant(node)
            return None
        if isinstance(node, nodes.Getattr):
            return self.attribute(node, self.expression(node.node), node.attr)
        if isinstance(node, nodes.Getitem):
            base = self.expression(node.node)
            key = node.arg
            if not isinstance(key, nodes.Const):
                self.refuse(node, "an index must be a plain value: items[0], amount['number']")
            if base == ITEMS and isinstance(key.value, int) and not isinstance(key.value, bool):
                return _ITEM
            if isinstance(key.value, str):
                return self.attribute(node, base, key.value)
            self.refuse(node, "only the items list can be indexed by number: items[0]")
        if isinstance(node, nodes.Filter):
            return self.filter(node)
        if isinstance(node, nodes.Test):
            self.expression(node.node)
            if node.name not in TESTS:
                self.refuse(node, f"unknown test '{node.name}'; allowed: {', '.join(TESTS)}", "UNKNOWN_TEST")
            self.arguments(node, ())
            return BOOL
        if isinstance(node, nodes.Compare):
            self.expression(node.expr)
            for operand in node.ops:
                if operand.op not in COMPARISONS:
                    self.refuse(node, f"comparison '{operand.op}' is not allowed")
                self.expression(operand.expr)
            return BOOL
        if isinstance(node, nodes.And | nodes.Or):
            self.expression(node.left)
            self.expression(node.right)
            return None
        if isinstance(node, nodes.Not):
            self.expression(node.node)
            return BOOL
        if isinstance(node, nodes.CondExpr):
            self.expression(node.test)
            self.expression(node.expr1)
            if node.expr2 is not None:
                self.expression(node.expr2)
            return None
        if isinstance(node, nodes.Concat):
            for child in node.nodes:
                self.expression(child)
            return TEXT
        self.refuse(node, f"{self.construct(node)} is not allowed in notification templates")

    def arguments(self, node: nodes.Filter | nodes.Test, keywords: tuple[str, ...]) -> None:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            self.refuse(node, "*args and **kwargs are not allowed")
        for argument in node.args:
            self.constant(argument)
        for keyword in node.kwargs:
            if keyword.key not in keywords:
                self.refuse(node, f"'{node.name}' takes no argument '{keyword.key}'")
            self.constant(keyword.value)

    def filter(self, node: nodes.Filter) -> str | None:
        if node.node is None:
            self.refuse(node, "{% filter %} blocks are not allowed")
        kind = self.expression(node.node)
        if node.name not in FILTERS:
            self.refuse(node, f"unknown filter '{node.name}'; allowed: {', '.join(sorted(FILTERS))}",
                        "UNKNOWN_FILTER")
        self.arguments(node, FILTERS[node.name])
        if node.name in ("length", "count"):
            return INT
        if node.name in ("first", "last"):
            return _ITEM if kind == ITEMS else TEXT
        if node.name in ("default", "d"):
            return kind
        return TEXT


# --- the sandbox -------------------------------------------------------------------------


class NotificationSandbox(SandboxedEnvironment):
    """Jinja2's sandbox with nothing in it: no globals, the whitelisted filters and tests,
    every binary operator intercepted (so none is folded at compile time) and refused."""

    intercepted_binops = frozenset(["+", "-", "*", "/", "//", "%", "**"])
    intercepted_unops = frozenset(["+", "-"])

    def __init__(self, autoescape: bool):
        super().__init__(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True,
                         auto_reload=False, cache_size=0)
        self.globals.clear()
        self.filters = {name: self.filters[name] for name in FILTERS}
        self.tests = {name: self.tests[name] for name in TESTS}

    def call_binop(self, context, operator, left, right):
        raise SecurityError(f"the operator {operator!r} is not allowed in notification templates")

    def call_unop(self, context, operator, arg):
        if isinstance(arg, int | float) and not isinstance(arg, bool):
            return -arg if operator == "-" else arg
        raise SecurityError(f"the operator {operator!r} is only allowed on numbers")


_TEXT_ENV = NotificationSandbox(autoescape=False)
_HTML_ENV = NotificationSandbox(autoescape=True)


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool):
    return (_HTML_ENV if html else _TEXT_ENV).from_string(source)


# --- values ------------------------------------------------------------------------------


class LocalMoment:
    """A datetime variable: `{{ payment_date }}` '30/06/2025 17:30' (outlet time, as the receipt
    prints it), `{{ payment_date.date }}` '30/06/2025', `{{ payment_date.time }}` '17:30'."""

    __slots__ = ("moment",)

    def __init__(self, moment: datetime, zone: ZoneInfo):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # stored datetimes are naive UTC (sync.timeutil)
        self.moment = moment.astimezone(zone)

    @property
    def date(self) -> str:
        return self.moment.strftime("%d/%m/%Y")

    @property
    def time(self) -> str:
        return self.moment.strftime("%H:%M")

    def __str__(self) -> str:
        return self.moment.strftime(DATETIME_FORMAT)


class Item:
    """One line of the order: `item.name`, `item.quantity`, `item.amount` (money), `item.note`."""

    __slots__ = ("name", "quantity", "amount", "note")

    def __init__(self, name: str, quantity: int, amount: Money, note: str):
        self.name, self.quantity, self.amount, self.note = name, quantity, amount, note

    def __str__(self) -> str:  # `{{ items|join(', ') }}`: '1x Margherita Pizza, 2x Iced Tea'
        return f"{self.quantity}x {self.name}"

    __repr__ = __str__


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}") from None


def _value(name: str, kind: str, value, currency: str, zone: ZoneInfo):
    def wrong(expected: str):
        return TypeError(f"template variable {name!r} must be {expected}, got {type(value).__name__}")

    if kind == TEXT:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise wrong("a str")
        return value
    if kind in (MONEY, INT):
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("an int (minor units)" if kind == MONEY else "an int")
        return Money(value, currency) if kind == MONEY else value
    if kind == BOOL:
        if not isinstance(value, bool):
            raise wrong("a bool")
        return value
    if kind == DATETIME:
        if not isinstance(value, datetime):
            raise wrong("a datetime")
        return LocalMoment(value, zone)
    if kind == ITEMS:
        if not isinstance(value, list | tuple):
            raise wrong("a list of items")
        if len(value) > MAX_ITEMS:
            raise ValueError(f"template variable {name!r} has {len(value)} items; at most {MAX_ITEMS}")
        return [_item(name, entry, currency) for entry in value]
    raise ValueError(f"unknown variable kind {kind!r}")


def _item(name: str, entry, currency: str) -> Item:
    if not isinstance(entry, dict):
        raise TypeError(f"each of {name!r} must be a dict with name, quantity, amount, note")
    unknown = set(entry) - set(ITEM_ATTRIBUTES)
    if unknown:
        raise ValueError(f"{name!r} items take {', '.join(ITEM_ATTRIBUTES)}; not {', '.join(sorted(unknown))}")
    quantity, amount = entry.get("quantity", 1), entry.get("amount", 0)
    for key, value in (("quantity", quantity), ("amount", amount)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"item {key} must be an int, got {type(value).__name__}")
    text = {key: entry.get(key) or "" for key in ("name", "note")}
    for key, value in text.items():
        if not isinstance(value, str):
            raise TypeError(f"item {key} must be a str, got {type(value).__name__}")
    return Item(text["name"], quantity, Money(amount, currency), text["note"])


def context(template_type: TemplateType, values: dict, *, currency: str = "IDR",
            timezone: str = "Asia/Jakarta") -> dict:
    """The render context: every variable of the type, each converted to what templates see.

    Missing or unknown variables are a programming error (ValueError): the caller builds
    values from an event and must give them all ('' / 0 / False / [] for what it lacks).
    """
    unknown = set(values) - set(template_type.variables)
    if unknown:
        raise ValueError(f"not variables of {template_type.name}: {', '.join(sorted(unknown))}")
    missing = set(template_type.variables) - set(values)
    if missing:
        raise ValueError(f"{template_type.name} needs values for: {', '.join(sorted(missing))}")
    zone = _zone(timezone)
    return {name: _value(name, variable.kind, values[name], currency, zone)
            for name, variable in template_type.variables.items()}


# --- rendering ---------------------------------------------------------------------------

_HTML_TAG = re.compile(r"<\s*/?(p|br|div|table|tr|td|th|h[1-6]|a|strong|b|em|i|u|ul|ol|li|span|img|html|body|"
                       r"hr|small|center|font|section|header|footer)\b", re.IGNORECASE)
_MONEY_AFTER_SYMBOL = re.compile(r"(Rp|IDR|USD|SGD|EUR|\$|¥|₩|₫)(\.?[ \t]*)"
                                 r"\{\{(-?)[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(-?)\}\}")


def is_html(body: str) -> bool:
    """An email body with HTML tags is sent as written; one without is plain text."""
    return _HTML_TAG.search(body) is not None


def _render_capped(source: str, html: bool, variables: dict, limit: int, field: str) -> str:
    parts, size = [], 0
    try:
        for chunk in _compiled(source, html).generate(variables):
            size += len(chunk)
            if size > limit:
                raise TemplateError(f"the rendered {field} is longer than {limit} characters", "MESSAGE_TOO_LONG",
                                    field)
            parts.append(chunk)
    except TemplateError:
        raise
    except SecurityError as error:
        raise TemplateError(f"refused by the sandbox: {error}", "UNSAFE_TEMPLATE", field) from None
    except (UndefinedError, JinjaTemplateError, TypeError, ValueError, AttributeError, LookupError) as error:
        raise TemplateError(f"the {field} could not be rendered: {error}", "RENDER_FAILED", field) from None
    return "".join(parts)


def _parse(source: str, field: str, template_type: TemplateType) -> tuple[str, list[str]]:
    """Translate, parse and walk one field; returns the Jinja source and the variables used."""
    translated, used = _parse_cached(source, field, template_type.name)
    return translated, list(used)


@lru_cache(maxsize=1024)
def _parse_cached(source: str, field: str, type_name: str) -> tuple[str, tuple[str, ...]]:
    """`_parse` for one (source, field, type): a stored template is walked once per process,
    not once per message (errors are not cached: they raise)."""
    template_type = TEMPLATE_TYPES[type_name]
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateError(f"the {field} is longer than {MAX_SOURCE_CHARS} characters", "TEMPLATE_TOO_LONG", field)
    translated = _symbol_before_money(translate(source), template_type)
    try:
        tree = _TEXT_ENV.parse(translated)
    except TemplateSyntaxError as error:
        raise TemplateError(f"syntax error on line {error.lineno}: {error.message}", "TEMPLATE_SYNTAX", field,
                            line=error.lineno) from None
    except RecursionError:
        raise TemplateError(f"the template nests more than {MAX_NESTING} levels deep", "TEMPLATE_TOO_COMPLEX",
                            field) from None
    checker = _Checker(template_type, field)
    checker.statements(tree.body)
    return translated, tuple(checker.used)


def _symbol_before_money(source: str, template_type: TemplateType) -> str:
    """`Rp {{ amount }}` (the brief's own example) prints the number only, so that both it and
    `{{ amount }}` read 'Rp 20.800' instead of one of them 'Rp Rp 20.800'."""

    def replace(match: re.Match) -> str:
        variable = template_type.variables.get(match.group(4))
        if variable is None or variable.kind != MONEY:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{{{{{match.group(3)} {match.group(4)}.number {match.group(5)}}}}}"

    return _MONEY_AFTER_SYMBOL.sub(replace, source)


def _template_type(name: str) -> TemplateType:
    if name not in TEMPLATE_TYPES:
        raise TemplateError(f"unknown template type '{name}'; known: {', '.join(TEMPLATE_TYPES)}",
                            "UNKNOWN_TEMPLATE_TYPE", "type")
    return TEMPLATE_TYPES[name]


def _channel(name: str) -> str:
    if name not in CHANNELS:
        raise TemplateError(f"unknown channel '{name}'; known: {', '.join(CHANNELS)}", "UNKNOWN_CHANNEL", "channel")
    return name


def _wrap_html(fragment: str, plain: bool) -> str:
    if plain:
        fragment = fragment.replace("\r\n", "\n").replace("\n", "<br>\n")
    if re.search(r"<\s*html\b", fragment, re.IGNORECASE):
        return fragment
    return ('<!doctype html>\n<html><head><meta charset="utf-8"></head>\n'
            '<body style="font-family: sans-serif; line-height: 1.45">\n' + fragment + "\n</body></html>\n")


def _render_source(source: TemplateSource, variables: dict, template_type: TemplateType) -> Rendered:
    channel = _channel(source.channel)
    body, _ = _parse(source.body, "body", template_type)
    if channel == "whatsapp":
        text = _render_capped(body, False, variables, MAX_WHATSAPP_CHARS, "body").strip()
        if not text:
            raise TemplateError("the rendered message is empty", "EMPTY_MESSAGE", "body")
        return Rendered("", text, None, whatsapp_mapping.filled(source.whatsapp_template, variables))
    subject_source, _ = _parse(source.subject, "subject", template_type)
    subject = " ".join(_render_capped(subject_source, False, variables, MAX_SUBJECT_CHARS * 4, "subject").split())
    if not subject:
        raise TemplateError("an email needs a subject", "SUBJECT_REQUIRED", "subject")
    if len(subject) > MAX_SUBJECT_CHARS:
        raise TemplateError(f"the rendered subject is longer than {MAX_SUBJECT_CHARS} characters",
                            "MESSAGE_TOO_LONG", "subject")
    html_fragment = _render_capped(body, True, variables, MAX_EMAIL_HTML_CHARS, "body")
    if is_html(source.body):
        html = _wrap_html(html_fragment, plain=False)
        text = html_to_text(html_fragment)
    else:
        html = _wrap_html(html_fragment, plain=True)
        text = _render_capped(body, False, variables, MAX_EMAIL_HTML_CHARS, "body").strip()
    if not text.strip():
        raise TemplateError("the rendered message is empty", "EMPTY_MESSAGE", "body")
    return Rendered(subject, text, html)


def render(source: TemplateSource, values: dict, *, currency: str = "IDR",
           timezone: str = "Asia/Jakarta") -> Rendered:
    """The message for one recipient. Checks the template again (it may predate today's
    rules), so a stored template can never run outside the subset. Raises TemplateError."""
    template_type = _template_type(source.type)
    return _render_source(source, context(template_type, values, currency=currency, timezone=timezone),
                          template_type)


def preview(source: TemplateSource, *, currency: str = "IDR", timezone: str = "Asia/Jakarta",
            values: dict | None = None) -> Rendered:
    """The template with the type's sample data, any of it replaced by `values` (already
    converted, e.g. by `wire_values`)."""
    template_type = _template_type(source.type)
    try:
        variables = context(template_type, {**template_type.sample, **(values or {})}, currency=currency,
                            timezone=timezone)
    except (TypeError, ValueError) as error:
        raise TemplateError(f"the preview values do not fit: {error}", "INVALID_VALUE", "template_vars") from None
    return _render_source(source, variables, template_type)


def wire_values(type_name: str, payload: dict, field: str = "template_vars") -> dict:
    """Values as a client sends them in JSON (the brief's `template_vars`, a bulk send's
    recipients) -> what `render` takes: money as two-decimal strings ("20800.00", as
    everywhere on the wire), datetimes as ISO 8601, items with string amounts.
    Unknown names and malformed values are TemplateError on `field.<name>`."""
    template_type = _template_type(type_name)
    if not isinstance(payload, dict):
        raise TemplateError(f"{field} must be an object", "INVALID_VALUE", field)
    converted = {}
    for name, value in payload.items():
        where = f"{field}.{name}"
        variable = template_type.variables.get(name)
        if variable is None:
            raise TemplateError(f"unknown variable '{name}' for {type_name} templates", "UNKNOWN_VARIABLE", where,
                                variable=name)
        try:
            converted[name] = _from_wire(variable.kind, value)
        except (TypeError, ValueError) as error:
            raise TemplateError(f"{name}: {error}", "INVALID_VALUE", where, variable=name) from None
    return converted


def _from_wire(kind: str, value):
    if kind == MONEY:
        return parse_amount(value)
    if kind == DATETIME:
        if not isinstance(value, str):
            raise TypeError("a date and time such as '2025-06-30T10:30:00Z'")
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind == ITEMS:
        if not isinstance(value, list):
            raise TypeError("a list of {name, quantity, amount, note}")
        return [{**entry, "amount": parse_amount(entry.get("amount", "0"))} if isinstance(entry, dict) else entry
                for entry in value]
    if kind == TEXT and value is not None and not isinstance(value, str):
        raise TypeError("text")
    if kind == BOOL and not isinstance(value, bool):
        raise TypeError("true or false")
    if kind == INT and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError("a whole number")
    return value


def check(source: TemplateSource, declared: list[str] | tuple[str, ...] | None = None, *,
          currency: str = "IDR", timezone: str = "Asia/Jakarta") -> CheckResult:
    """Everything a save must know: raises TemplateError (with field, line, variable) or
    returns the variables used, warnings and the sample preview.

    `declared` is the brief's `variables` list, if the client sent one: each must be a
    variable of the type.
    """
    template_type = _template_type(source.type)
    channel = _channel(source.channel)
    if not source.body.strip():
        raise TemplateError("the body is empty", "EMPTY_BODY", "body")
    for name in declared or ():
        if name not in template_type.variables:
            raise TemplateError(f"unknown variable '{name}' for {template_type.name} templates",
                                "UNKNOWN_VARIABLE", "variables", variable=name)
    _, used = _parse(source.body, "body", template_type)
    warnings = []
    if channel == "email":
        _, subject_used = _parse(source.subject, "subject", template_type)
        used += [name for name in subject_used if name not in used]
    elif source.subject.strip():
        warnings.append("the subject is not used for WhatsApp messages")
    whatsapp_mapping.check(source.whatsapp_template, template_type, channel)
    rendered = preview(source, currency=currency, timezone=timezone)
    return CheckResult(tuple(used), tuple(warnings), rendered)


# --- HTML to text (the email's text part of an HTML body) -------------------------------

_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr", "section",
           "header", "footer"}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and not href.startswith("#") and (not self.parts or href not in self.parts[-1]):
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from an email's HTML: blocks on their own lines, links with their URL."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
