"""Create thousands of new rows with their history rows, quickly.

django-simple-history's `bulk_create_with_history` does this through two
`bulk_create` calls. For a 5,000-row plan that is about 30,000 model instances,
half a million per-value preparations in the SQL compiler and the building of
array parameters in Python; it is most of an import's time. On PostgreSQL we send
the same rows by COPY instead (psycopg's copy protocol, whose row formatting is
compiled), after taking their ids from the table's own sequence, so the instances
know their ids exactly as after `bulk_create`. The history rows are the ones
simple-history would write: every tracked column, `history_type` "+", the importer
as `history_user` and the file in `history_change_reason`. Other databases (SQLite
for `make run`) use simple-history's own function.

Only new rows come here; changed rows still go through `bulk_update_with_history`.
"""

from __future__ import annotations

import datetime
import functools

from django.conf import settings
from django.db import connections, models, router
from simple_history.utils import bulk_create_with_history

BATCH_SIZE = 1000
ANALYZE_FROM = 1000  # rows in one call


def new_instance(model: type[models.Model], values: dict) -> models.Model:
    """`model(**values)`, built as Django builds a row read from the database: every
    concrete field's value in order (its default where `values` has none), and the
    related objects named cached on it, so that `create_with_history` takes their ids
    once they have them. Some times quicker than keyword arguments, which a 5,000-row
    import pays 15,000 times."""
    recipe = _recipe(model)
    unknown = values.keys() - {name for name, _field, _related in recipe}
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    args = []
    cached = []
    for name, field, related in recipe:
        if name not in values:
            args.append(field.get_default())
        elif related:
            obj = values[name]
            args.append(None if obj is None else getattr(obj, field.target_field.attname))
            cached.append((field, obj))
        else:
            args.append(values[name])
    instance = model(*args)
    for field, obj in cached:
        field.set_cached_value(instance, obj)
    return instance


@functools.cache
def _recipe(model: type[models.Model]) -> list[tuple[str, models.Field, bool]]:
    """(the name `new_instance` takes, the field, whether it takes a related object)."""
    return [
        (field.name if field.is_relation else field.attname, field, field.is_relation)
        for field in model._meta.concrete_fields
    ]


def create_with_history(
    instances: list[models.Model],
    model: type[models.Model],
    *,
    author,
    reason: str,
    when: datetime.datetime,
) -> None:
    """Insert `instances` (unsaved, all of `model`) and one "+" history row for each."""
    if not instances:
        return
    database = connections[router.db_for_write(model)]
    if database.vendor != "postgresql":
        bulk_create_with_history(
            instances,
            model,
            BATCH_SIZE,
            default_user=author,
            default_change_reason=reason,
            default_date=when,
        )
        return
    _take_related_ids(model, instances)
    _take_ids(database, model, instances)
    fields = model._meta.concrete_fields
    as_is = [(field.attname, _is_stored_as_is(field)) for field in fields]
    stored = []
    for instance in instances:
        values = instance.__dict__
        row = {}
        for field, (attname, plain) in zip(fields, as_is, strict=True):
            value = values.get(attname) if plain else None
            if not plain or (value is not None and type(value) not in _PLAIN_TYPES):
                value = _stored_value(database, field, instance)
            row[attname] = value
        stored.append(row)
    _copy(database, model, fields, stored)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = database.alias
    if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        history = model.history.model
        fixed = {
            "history_date": when,
            "history_change_reason": reason,
            "history_type": "+",
            "history_user_id": author.pk if author is not None else None,
        }
        fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
        _copy(database, history, fields, (row | fixed for row in stored))
    if len(instances) >= ANALYZE_FROM:
        _analyze(database, model)


def _analyze(database, model) -> None:
    """Fresh planner statistics for a table that just grew by thousands of rows.

    Until autovacuum gets to it (a minute or more), PostgreSQL plans queries on the
    table as if it were still small: a re-import straight after an import spent
    seconds in nested loops. ANALYZE inside our transaction counts the new rows. History
    tables are read by id, so they are left to autovacuum.
    """
    with database.cursor() as cursor:
        cursor.execute(f"ANALYZE {database.ops.quote_name(model._meta.db_table)}")


def _take_ids(database, model, instances) -> None:
    pk = model._meta.pk
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(instances)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for instance, pk_value in zip(instances, ids, strict=True):
        setattr(instance, pk.attname, pk_value)


# Field types whose stored value is the Python value itself when it is of a plain type:
# no pre_save of their own, and their get_db_prep_save only checks the type (psycopg
# adapts the value). Any other value or field goes through `_stored_value`.
_AS_IS_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SlugField,
    models.SmallIntegerField,
    models.TextField,
)
_PLAIN_TYPES = (str, int, bool, datetime.date)


def _is_stored_as_is(field: models.Field) -> bool:
    if type(field) is models.DateField:
        return not (field.auto_now or field.auto_now_add)
    return type(field) in _AS_IS_FIELDS


def _take_related_ids(model, instances) -> None:
    """As bulk_create does (`Model._prepare_related_fields_for_save`, for the relation
    fields only): take the ids of related rows saved in an earlier batch, and refuse a
    relation to a row that was never saved."""
    relations = [field for field in model._meta.concrete_fields if field.is_relation]
    for instance in instances:
        for field in relations:
            if not field.is_cached(instance):
                continue
            related = field.get_cached_value(instance)
            if related is None:
                continue
            if related.pk is None:
                raise ValueError(
                    "create_with_history() prohibited to prevent data loss due to unsaved "
                    f"related object '{field.name}'."
                )
            target = getattr(related, field.target_field.attname)
            if getattr(instance, field.attname) in field.empty_values:
                setattr(instance, field.attname, target)
            elif getattr(instance, field.attname) != target:
                field.delete_cached_value(instance)


def _stored_value(database, field: models.Field, instance: models.Model):
    """The value as the database stores it (auto_now dates set, JSON encoded, ...)."""
    return field.get_db_prep_save(field.pre_save(instance, add=True), database)


def _copy(database, model, fields, rows) -> None:
    """COPY `rows` (dicts by attname) into the model's table."""
    quote = database.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    names = [field.attname for field in fields]
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"  # noqa: S608
    # wrap_database_errors turns psycopg's errors into Django's (IntegrityError, ...).
    with (
        database.cursor() as cursor,
        database.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in names])
