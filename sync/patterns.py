"""Text shapes both the schemas and the services check: LIKE search terms and web addresses.

Framework-free, so services can use them without reaching into `sync.web`."""
from __future__ import annotations

LIKE_ESCAPE = "\\"
WEB_URL_PATTERN = r"^(https?://[!-~]+)?$"  # visible ASCII only (a browser sends the rest %-encoded)
WEB_URL_MESSAGE = "Must be an http:// or https:// address"


def like_pattern(term: str) -> str:
    """`%term%` for LIKE with the term's own `%`, `_` and `\\` taken literally: a search
    for "%" finds a percent sign, not every row. Use it with `escape=LIKE_ESCAPE`."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
