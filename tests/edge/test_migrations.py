"""The edge's migrations build exactly the schema its models describe (outlets upgrade in
the field with their data in place, so the two must never drift)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from edge import create_app
from edge.extensions import db
from edge.models import Base


def test_migrations_produce_the_models_schema(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "ASYNC_MODE": "threading", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
