"""Telling people: tenant templates rendered in a sandbox, and the channels that carry them.

- `catalogue`: the template types (the brief's five plus `order_ready` and
  `order_refunded`), their variables and kinds, sample data, freshness windows.
- `templates`: `check` (when a template is saved), `preview`, `render` (Jinja2's
  sandbox, a whitelisted subset; money as the receipt prints it).
- `channels`: `EmailChannel` (SMTP) and `WhatsAppChannel` (Meta's Cloud API), each
  `send(message) -> SendResult`; `channels.whatsapp_webhooks` verifies and reads Meta's
  status webhooks.
- `errors`: domain errors; a `DeliveryError` says whether a retry can help.

Nothing here imports Flask, the database or the cloud's settings (an import-linter
contract): the worker, the endpoints and the tests use it alike. docs/notifications.md
has the wire formats, their sources, and what the next part wires up.
"""
