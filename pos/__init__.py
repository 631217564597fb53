"""The `pos` command: the one place that knows both the edge and the cloud.

Kept empty on purpose: `pos.__main__` must be able to monkey-patch eventlet
before anything else (Flask, sqlite3, socket) is imported.
"""
