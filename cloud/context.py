"""The running app, for services and background work: its settings and per-app state.

The one module below the web layer that asks Flask for the current app, so services
import no framework: they read `running_app().config` and keep per-app state in
`running_app().extensions` through here (or are handed the app when they run outside a
request). Tests and workers that pass an app explicitly bypass it.
"""
from __future__ import annotations

from flask import current_app


def running_app():
    """The app serving this request or app context (the real object, not a proxy)."""
    return current_app._get_current_object()
