"""The test world put back from a snapshot is the world a fresh build makes."""
from __future__ import annotations

from sqlalchemy import func, select

from cloud.extensions import db
from cloud.models import Base, User
from tests.cloud import snapshots
from tests.cloud.factories import build_world, make_user


def _rows(app) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables}


def test_a_put_back_world_has_the_rows_ids_and_working_tokens_of_a_fresh_one(make_cloud_app):
    first = make_cloud_app()
    built = snapshots.restored(first, "test-world", lambda: build_world(first))
    fresh_rows = _rows(first)
    second = make_cloud_app()
    with second.app_context():
        snapshots.empty(db.engine)
    put_back = snapshots.restored(second, "test-world", lambda: (_ for _ in ()).throw(AssertionError("rebuilt")))
    assert put_back == built
    assert _rows(second) == fresh_rows
    response = second.test_client().get("/api/users/me/", headers=put_back.headers("manager"))
    assert response.status_code == 200 and response.json["id"] == put_back.a.users["manager"]


def test_ids_continue_after_the_put_back_rows(make_cloud_app):
    app = make_cloud_app()
    world = snapshots.restored(app, "test-world-ids", lambda: build_world(app))
    with app.app_context():
        highest = db.session.execute(select(func.max(User.id))).scalar_one()
        snapshots.empty(db.engine)
    snapshots.restored(app, "test-world-ids", lambda: build_world(app))
    with app.app_context():
        assert make_user("cashier", "new_cashier", world.a.tenant_id, world.a.outlet_id).id == highest + 1


def test_a_database_holding_other_rows_gets_a_build_not_the_snapshot(make_cloud_app):
    app = make_cloud_app()
    snapshots.restored(app, "test-world-other", lambda: build_world(app))
    with app.app_context():
        snapshots.empty(db.engine)
        make_user("admin", "someone_else")
        db.session.commit()
    builds = []
    snapshots.restored(app, "test-world-other", lambda: builds.append(build_world(app)))
    assert len(builds) == 1
    with app.app_context():
        assert db.session.execute(select(User).filter_by(username="someone_else")).scalar_one()
