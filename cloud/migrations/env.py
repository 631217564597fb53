"""Alembic's environment: the one both apps share (sync/alembic_env.py)."""
from sync.alembic_env import run

run()
