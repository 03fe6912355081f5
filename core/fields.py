"""A model's one list of the fields people write, and how each screen derives its own.

A model declares the fields an editor, the API and an export share once, in order (for
example `CaseStudy.FIELDS`). The form, the serializer and the export each take that
list and say only how they differ from it: the fields they deliberately leave out, and
the fields of their own they show after one of the model's. A new field on the model
then reaches every screen, unless one of them says why not.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence


def field_list(
    fields: Sequence[str],
    *,
    leave_out: Collection[str] = (),
    add_after: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """`fields` without `leave_out`, with `add_after[name]` following `name`.

    Naming a field the list does not have is a programming error, caught at import:
    a deviation that no longer deviates from anything must not linger."""
    add_after = add_after or {}
    unknown = (set(leave_out) | set(add_after)) - set(fields)
    if unknown:
        raise ValueError(f"Not in the field list: {', '.join(sorted(unknown))}")
    shown: list[str] = []
    for name in fields:
        if name not in leave_out:
            shown.append(name)
        shown.extend(add_after.get(name, ()))
    return shown
