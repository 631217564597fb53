"""Writing the selling path's rows with one Core statement each, keeping the ORM's view.

The ORM's unit of work is the costliest part of the selling path (docs/performance.md),
so these helpers write a mapped object's
row at once, on the connection of the current write transaction, and leave the object
in the session exactly as if it had just been loaded: persistent, every column present,
nothing pending. Reads and later changes through the ORM then work as before, and a
rollback undoes the row like any other write of the transaction (and takes the object
out of the session, as it would a new object the flush had written).

They write what the ORM would: an unset or None column takes its Python default, an
unset column without one is NULL. Foreign keys must be set as columns (the unit of work
would fill them in from a relationship; these helpers refuse instead). Tables whose
columns have server defaults or `onupdate` are refused: those are the ORM's to write.
Only column attributes are written: a changed relationship collection is left to the
session's own flush, which still runs at commit for anything these helpers did not take.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, event, inspect
from sqlalchemy.orm import MANYTOONE, make_transient_to_detached
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value

from edge.extensions import EdgeSession

_ATTACHED = "pos_rows_attached"  # in session.info: objects attached in the open transaction


@dataclass(frozen=True)
class _Shape:
    """What these helpers need of a mapped class, worked out once per class."""
    table: object
    columns: tuple  # (attribute key, Column) of every column attribute
    column_of: dict  # attribute key -> Column
    foreign_keys: tuple  # (relationship key, attribute keys of its local columns) for many-to-one
    primary_key: tuple  # (attribute key, Column) of the primary key's columns
    insert: object


_shapes: dict[type, _Shape] = {}
_updates: dict = {}


def _shape(cls) -> _Shape:
    shape = _shapes.get(cls)
    if shape is None:
        mapper = inspect(cls)
        table = mapper.local_table
        columns = tuple((prop.key, prop.columns[0]) for prop in mapper.column_attrs
                        if prop.columns[0].table is table)
        for _, column in columns:
            if column.server_default is not None or column.onupdate is not None:
                raise TypeError(f"{table.name}.{column.key} has a server default or onupdate: use the session")
        attribute_of = {column: key for key, column in columns}
        foreign_keys = tuple(
            (rel.key, tuple(attribute_of[column] for column in rel.local_columns))
            for rel in mapper.relationships if rel.direction is MANYTOONE)
        primary_key = tuple((attribute_of[column], column) for column in table.primary_key)
        shape = _shapes[cls] = _Shape(table, columns, dict(columns), foreign_keys, primary_key, table.insert())
    return shape


def _default(column):
    default = column.default
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps a column's default callable to take a context
    return default.arg


def write_new(session, obj) -> None:
    """INSERT `obj`'s row now, leaving `obj` transient (see `attach`). Defaults are
    evaluated here and set on the object, so that it holds what the row holds; the
    primary key comes back from the database."""
    shape = _shape(type(obj))
    state = obj.__dict__
    for relationship, keys in shape.foreign_keys:
        if state.get(relationship) is not None and any(state.get(key) is None for key in keys):
            raise ValueError(f"set {', '.join(keys)} of {type(obj).__name__}, not only {relationship}")
    values = {}
    for key, column in shape.columns:
        value = state.get(key)
        if value is None and not column.primary_key:
            if column.default is not None:  # unset or None: the default, as the ORM writes it
                value = _default(column)
                setattr(obj, key, value)
            elif key not in state:  # unset, no default: NULL
                setattr(obj, key, None)
                continue
        elif value is None:
            continue  # the key the database hands out
        values[column.key] = value
    result = session.connection().execute(shape.insert, values)
    for (key, _), value in zip(shape.primary_key, result.inserted_primary_key, strict=True):
        if state.get(key) is None:
            setattr(obj, key, value)


def write(session, obj) -> None:
    """The one way the selling path writes a row: a new object's row is INSERTed
    (`write_new`: put it in the session with `attach` once its family is written), a
    loaded object's changed columns are UPDATEd (`save`)."""
    if inspect(obj).key is None:
        write_new(session, obj)
    else:
        save(session, obj)


def attach(session, *objs) -> None:
    """Put objects whose rows `write_new` wrote into the session as persistent and loaded.

    All are made detached before any is added: adding a parent cascades to its
    collections, and a child still transient then would be inserted again by the flush."""
    for obj in objs:
        make_transient_to_detached(obj)
    for obj in objs:
        session.add(obj)
    session.info.setdefault(_ATTACHED, []).extend(objs)


def insert(session, obj):
    """`write_new` and `attach` for an object on its own."""
    write_new(session, obj)
    attach(session, obj)
    return obj


@event.listens_for(EdgeSession, "after_commit")
def _kept(session) -> None:
    session.info.pop(_ATTACHED, None)


@event.listens_for(EdgeSession, "after_rollback")
def _forget_rolled_back(session) -> None:
    """A rolled-back row's object leaves the session, as a new object the flush wrote
    would: kept, it would claim a key that SQLite hands out again to the next row."""
    for obj in session.info.pop(_ATTACHED, ()):
        if obj in session:
            session.expunge(obj)


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
    mark the object as saved. Values set back to what they were write nothing. An object
    not yet in the database is left to the flush."""
    state = inspect(obj)
    if not state.modified or state.key is None:
        return
    shape = _shape(type(obj))
    changed, left = {}, False
    for key, before in state.committed_state.items():
        column = shape.column_of.get(key)
        value = state.dict.get(key, NO_VALUE)
        if column is None or value is NO_VALUE:
            left = True  # a relationship, or a column not loaded: the session's flush writes it
        elif before is NO_VALUE or before != value:
            changed[key] = value
    if changed:
        keys = tuple(sorted(shape.column_of[key].key for key in changed))
        params = {shape.column_of[key].key: value for key, value in changed.items()}
        for key, column in shape.primary_key:
            params[f"pk_{column.key}"] = state.dict[key]
        session.connection().execute(_update_statement(shape.table, keys), params)
    if left:
        for key in changed:
            set_committed_value(obj, key, changed[key])
    else:
        # Nothing is left for the flush: mark the whole object clean, as a flush would.
        # (set_committed_value alone leaves it on the session's list of modified objects,
        # and every commit then ran a unit of work that found nothing to do.)
        mark_clean(state, session)


def mark_clean(state, session) -> None:
    """What a flush does to an object it wrote: its committed state is its state, and it
    leaves the session's modified list. SQLAlchemy has no public call for this; the
    private `InstanceState._commit_all` is used here only, with setup.cfg pinning
    SQLAlchemy below its next minor version and tests/edge/test_rows.py's canary
    failing loudly if its behaviour changes."""
    state._commit_all(state.dict, session.identity_map)
