"""Templates that reach for Python internals or unbounded work are refused: by the
whitelist when saved, and by Jinja2's sandbox underneath should one ever get past it."""
from __future__ import annotations

import contextlib
import sys
import time

import pytest
from jinja2.exceptions import SecurityError

from cloud.notifications import templates
from cloud.notifications.catalogue import TEMPLATE_TYPES
from cloud.notifications.errors import TemplateError
from cloud.notifications.templates import NotificationSandbox, TemplateSource, check, render

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ customer_name.__class__ }}",
    "{{ customer_name['__class__'] }}",
    "{{ customer_name|attr('__class__') }}",
    "{{ items.__len__() }}",
    "{{ amount._other }}",
    "{{ amount.minor.__class__ }}",
    "{{ payment_date.moment.__class__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ config }}",
    "{{ request.environ }}",
    "{% for c in ''.__class__.__mro__ %}{{ c }}{% endfor %}",
    "{{ (customer_name|first).__class__ }}",
    "{% set x = customer_name.__class__ %}{{ x }}",
    "{{ customer_name.upper() }}",
    "{{ customer_name.format('x') }}",
    "{% include '/etc/passwd' %}",
    "{% extends 'base.html' %}",
    "{% import 'macros' as m %}",
    "{% macro m() %}x{% endmacro %}{{ m() }}",
    "{% with x = 1 %}{{ x }}{% endwith %}",
    "{% filter upper %}{{ customer_name }}{% endfilter %}",
]

BOMBS = [
    "{% for i in range(100000000) %}x{% endfor %}",
    "{{ range(10**9)|length }}",
    "{{ 9**9**9**9 }}",
    "{{ 'x' * 1000000000 }}",
    "{{ customer_name * 100000000 }}",
    "{{ customer_name|center(1000000000) }}",
    "{{ customer_name|indent(1000000000) }}",
    "{{ customer_name|replace('', 'xxxxxxxxxx')|replace('', 'xxxxxxxxxx') }}",
    "{{ customer_name|wordwrap(1) }}",
    "{% for a in items %}{% for b in items %}{% for c in items %}x{% endfor %}{% endfor %}{% endfor %}",
    "{% for i in items recursive %}{{ loop(items) }}{% endfor %}",
    "{% for c in customer_name %}{{ c }}{% endfor %}",
    "{{ items * 1000000 }}",
    "{{ customer_name ~ customer_name|truncate(**{'length': 10**9}) }}",
    "{{ " + "(" * 5000 + "amount" + ")" * 5000 + " }}",
    "{% if amount %}" * 400 + "x" + "{% endif %}" * 400,
    "{{ amount" + "|upper" * 3000 + " }}",
    "{{ " + "not " * 3000 + "amount }}",
]


LONG_RUNS = ["{{#" + " " * 19_990, "{{#if" + " " * 19_990 + "x", "{{{" + " " * 19_990, "{{#if " * 3000,
             "Rp" + " " * 19_990 + "{{", "Rp {{ " * 3000, "<" + " " * 19_990, "{{ " + " " * 19_990,
             "{{ 'a" + " " * 19_990, "{{else" + " " * 19_990]


@pytest.mark.timeout(20)
@pytest.mark.parametrize("body", LONG_RUNS, ids=lambda body: repr(body[:6]))
def test_a_long_run_of_spaces_cannot_stall_the_check(body):
    started = time.monotonic()
    for channel, subject in (("whatsapp", ""), ("email", body)):
        with contextlib.suppress(TemplateError):
            check(TemplateSource("payment_received", channel, body, subject))
    assert time.monotonic() - started < 1, "the check must stay linear in the template's length"


@pytest.mark.parametrize("body", ESCAPES)
def test_reaching_for_python_internals_is_refused_when_saved(body):
    with pytest.raises(TemplateError) as refused:
        check(TemplateSource("payment_received", "whatsapp", body))
    assert refused.value.code in {"UNSAFE_ATTRIBUTE", "UNKNOWN_VARIABLE", "UNKNOWN_ATTRIBUTE", "UNKNOWN_FILTER",
                                  "TEMPLATE_NOT_ALLOWED"}, refused.value.code


def _python_calls(work) -> int:
    """Function calls (Python and C) made by `work`: a count that, unlike a clock, does not
    move with the machine's load."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1
    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


CALLS_PER_CHARACTER = 20  # the deepest bomb (3000 chained filters) parses at about 13


@pytest.mark.parametrize("body", BOMBS)
def test_unbounded_work_is_refused_when_saved_without_running_it(body, monkeypatch):
    renders = []
    monkeypatch.setattr(templates, "_render_capped", lambda *args, **kwargs: renders.append(args))

    def refuse():
        with pytest.raises(TemplateError):
            check(TemplateSource("payment_received", "whatsapp", body))
    calls = _python_calls(refuse)
    assert renders == [], "refusing must not render the template first"
    assert calls <= CALLS_PER_CHARACTER * len(body) + 10_000, f"{calls} calls for {len(body)} characters"


@pytest.mark.parametrize("body", ESCAPES + BOMBS)
def test_rendering_refuses_the_same_templates(body):
    sample = TEMPLATE_TYPES["payment_received"].sample
    with pytest.raises(TemplateError):
        render(TemplateSource("payment_received", "email", body, "s"), sample)


@pytest.mark.parametrize("autoescape", [False, True])
@pytest.mark.parametrize("body, expected", [
    ("{{ ''.__class__ }}", SecurityError),
    ("{{ 'x' * 3 }}", SecurityError),
    ("{{ 2 ** 3 }}", SecurityError),
    ("{{ 1 + 1 }}", SecurityError),
])
def test_the_sandbox_underneath_refuses_on_its_own(autoescape, body, expected):
    with pytest.raises(expected):
        NotificationSandbox(autoescape).from_string(body).render()


def test_the_sandbox_has_no_globals_and_only_the_whitelisted_filters():
    sandbox = NotificationSandbox(False)
    assert sandbox.globals == {}
    assert "attr" not in sandbox.filters and "center" not in sandbox.filters and "upper" in sandbox.filters
    assert sandbox.from_string("{{ -1 }}").render() == "-1"
