"""WSGI entry for production servers: `gunicorn -w 4 'cloud.wsgi:app'`.

Apply migrations once before starting the workers (`pos cloud migrate`).
"""
from cloud import create_app

app = create_app()
