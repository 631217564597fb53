"""URL rules that build their `url_for` code when first asked, not when registered.

werkzeug compiles two Python functions per rule (an AST, then `compile()`) as the rule
is added, so that `url_for` is fast. The apps have about 160 rules and build URLs for a
handful (the pages' links, the API's `Location` headers), yet paid that compilation on
every start: about 70 % of `create_app` (30 ms of 45 ms), in every gunicorn worker, CLI
command and test. This rule compiles a builder on its first use and keeps it.
"""
from __future__ import annotations

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True):
        compiled = None

        def build(rule, *args, **kwargs):
            nonlocal compiled
            if compiled is None:  # two threads may both compile: the same function either way
                compiled = Rule._compile_builder(rule, append_unknown)
            return compiled(rule, *args, **kwargs)

        return build


def build_urls_lazily(app) -> None:
    """Rules added to `app` from now on compile their URL builders on first use."""
    app.url_rule_class = LazyBuilderRule
