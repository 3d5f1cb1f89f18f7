"""CSV that a spreadsheet opens safely: every export writes through here.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return before one) as a formula, so a name or a reason typed as
``=HYPERLINK(...)`` would run on the unit manager's machine. As OWASP advises, such a
text cell is written with a single quote before it, which the spreadsheet shows as text.
Only text is changed: numbers and dates the code itself writes (a count, an ISO date)
are written as they are, so a count stays a number; any text a person typed, "-5"
included, is quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """The value, with a quote before text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The header and the rows as CSV text, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
