"""Cells for the workbooks casehub writes (notice rosters, payroll adjustment lists, reminder outboxes).

Every exported workbook is opened by staff in a spreadsheet program, and its text comes from
imports and the API: a value starting with `=`, `+`, `-`, `@` or a control character would
be evaluated as a formula (CSV/formula injection), and characters XML forbids would make
openpyxl refuse the whole file. One function defuses both, for every exporter.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value: Any) -> Any:
    """`value` as a cell that shows as written: strings cleaned and defused, other values unchanged."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
