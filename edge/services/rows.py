"""Writing the selling path's rows with one Core statement each, keeping the ORM's view.

On the selling path the ORM's unit of work cost several times the SQL it emitted (it
was the largest single share of an order's time). These helpers write a mapped object's
row at once, on the connection of the current write transaction, and leave the object
in the session exactly as if it had just been loaded: persistent, every column present,
nothing pending. Reads and later changes through the ORM then work as before, and a
rollback undoes the row like any other write of the transaction.

Only column attributes are written. A changed relationship collection is left to the
session's own flush, which still runs at commit for anything these helpers did not take.
"""
from __future__ import annotations

from sqlalchemy import bindparam, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value

_inserts: dict = {}
_updates: dict = {}


def _default(column):
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps a column's default callable to take a context
    return default.arg


def write_new(session, obj) -> None:
    """INSERT `obj`'s row now, leaving `obj` transient (see `attach`).

    Columns left unset take their column default, evaluated here so that the object
    holds what the row holds; the primary key comes back from the database."""
    table = inspect(type(obj)).local_table
    values = {}
    state = obj.__dict__
    for column in table.columns:
        if column.key in state:
            values[column.key] = state[column.key]
        elif not column.primary_key:
            values[column.key] = _default(column)
            setattr(obj, column.key, values[column.key])
    statement = _inserts.get(table)
    if statement is None:
        statement = _inserts[table] = table.insert()
    result = session.connection().execute(statement, values)
    if not all(column.key in values for column in table.primary_key):
        for column, value in zip(table.primary_key, result.inserted_primary_key):
            setattr(obj, column.key, value)


def attach(session, *objs) -> None:
    """Put objects whose rows `write_new` wrote into the session as persistent and loaded.

    All are made detached before any is added: adding a parent cascades to its
    collections, and a child still transient then would be inserted again by the flush."""
    for obj in objs:
        make_transient_to_detached(obj)
    for obj in objs:
        session.add(obj)


def insert(session, obj):
    """`write_new` and `attach` for an object on its own."""
    write_new(session, obj)
    attach(session, obj)
    return obj


def append_loaded(parent, key: str, child, back: str) -> None:
    """Add a written `child` to `parent`'s collection, if loaded, and set its way back, as
    a load would have, so that neither side has anything left to flush. (A collection not
    yet loaded stays so: loading it later finds the child's row.)"""
    loaded = parent.__dict__.get(key)
    if loaded is not None:
        set_committed_value(parent, key, [*loaded, child])
    set_committed_value(child, back, parent)


def _update_statement(table, keys: tuple[str, ...]):
    statement = _updates.get((table, keys))
    if statement is None:
        where = [column == bindparam(f"pk_{column.key}") for column in table.primary_key]
        statement = table.update().where(*where).values({key: bindparam(key) for key in keys})
        _updates[(table, keys)] = statement
    return statement


def save(session, obj) -> None:
    """UPDATE the columns of persistent `obj` that changed since it was loaded, now, and
    mark the object as saved. Values set back to what they were write nothing."""
    state = inspect(obj)
    if not state.modified:
        return
    table = state.mapper.local_table
    changed, left = {}, False
    for key, before in state.committed_state.items():
        if key not in table.columns:
            left = True  # a relationship: the session's flush writes it
            continue
        value = state.dict.get(key, NO_VALUE)
        if value is NO_VALUE:
            left = True
        elif before is NO_VALUE or before != value:
            changed[key] = value
    if changed:
        keys = tuple(sorted(changed))
        params = dict(changed)
        for column in table.primary_key:
            params[f"pk_{column.key}"] = state.dict[column.key]
        session.connection().execute(_update_statement(table, keys), params)
    if left:
        for key in changed:
            set_committed_value(obj, key, changed[key])
    else:
        # Nothing is left for the flush: mark the whole object clean, as a flush would.
        # (set_committed_value alone leaves it on the session's list of modified objects,
        # and every commit then ran a unit of work that found nothing to do.)
        state._commit_all(state.dict, session.identity_map)
