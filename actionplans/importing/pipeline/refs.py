"""Step 8: number refs.

When plain numbers repeat (each recommendation numbering its actions from 1, as Ofsted
plans do) they are prefixed with their finding or theme ("2.1"); a row without a ref
gets the next ref in its block ("3.4" after "3.3"). Refs that still clash are
`validate`'s to report.
"""

from __future__ import annotations

from ..preview import ParsedAction


def number_refs(actions: list[ParsedAction]) -> None:
    """Prefix repeated plain refs with their block and number ref-less rows, in place."""
    plain = [action.ref for action in actions if action.ref and "." not in action.ref]
    if len(plain) != len(set(plain)):
        for action in actions:
            if action.ref and "." not in action.ref and action.block:
                action.ref = f"{action.block}.{action.ref}"
    used = {action.ref for action in actions if action.ref}
    for action in actions:
        if not action.ref:
            action.ref = next_ref(action.block, used)
            used.add(action.ref)


def next_ref(block: str, used: set[str]) -> str:
    """The first free ref in the block: "1", "2"... or "3.1", "3.2"... in block 3."""
    prefix = f"{block}." if block else ""
    number = 1
    while f"{prefix}{number}" in used:
        number += 1
    return f"{prefix}{number}"
