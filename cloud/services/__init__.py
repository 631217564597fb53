"""Domain logic of the cloud: plain functions over a SQLAlchemy session, no HTTP.

Services flush but never commit: the API layer's `writes` decorator owns the
transaction, so one user action is one commit (with its idempotency record).
"""
