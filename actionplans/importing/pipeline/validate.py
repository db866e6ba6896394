"""Step 9: validate: what would stop the import, row by row.

The walk's own problems (a row with a ref but no action text, a finding's number too
long) come with the lengths checked here, in row order; then refs used twice. A table
with no actions under its headings is refused as a whole. Nothing is written while any
problem remains (`write` refuses a preview with errors).
"""

from __future__ import annotations

from actionplans.models import Action

from ..preview import ACTION_FIELDS, ParsedAction, RowProblem
from .columns import Columns

REF_MAX = Action._meta.get_field("ref").max_length
MAX_LENGTHS = {
    key: Action._meta.get_field(name).max_length
    for key, name in ACTION_FIELDS.items()
    if Action._meta.get_field(name).max_length
}


def validate(
    actions: list[ParsedAction],
    walk_errors: tuple[RowProblem, ...] | list[RowProblem],
    columns: Columns,
    header_row: int,
) -> list[RowProblem]:
    errors = sorted([*walk_errors, *_lengths(actions, columns)], key=lambda error: error.row)
    errors += _clashes(actions)
    if not actions and not errors:
        errors.append(RowProblem(header_row, "There are no actions under the heading row."))
    return errors


def _lengths(actions: list[ParsedAction], columns: Columns) -> list[RowProblem]:
    """Refs and texts longer than the database keeps."""
    mapped = columns.mapped
    errors = []
    for action in actions:
        if len(action.ref) > REF_MAX:
            errors.append(RowProblem(action.row, f"the ref is longer than {REF_MAX} characters."))
        for key, limit in MAX_LENGTHS.items():
            length = len(action.values.get(key, ""))
            if length > limit:
                heading = mapped[key].heading if key in mapped else key
                errors.append(
                    RowProblem(
                        action.row,
                        f'"{heading}" is {length:,} characters long; the limit is {limit:,}.',
                    )
                )
    return errors


def _clashes(actions: list[ParsedAction]) -> list[RowProblem]:
    """A ref given to two actions (after numbering)."""
    errors = []
    first_row: dict[str, int] = {}
    for action in actions:
        if action.ref in first_row:
            errors.append(
                RowProblem(
                    action.row, f"ref {action.ref} is also used on row {first_row[action.ref]}."
                )
            )
        first_row.setdefault(action.ref, action.row)
    return errors
