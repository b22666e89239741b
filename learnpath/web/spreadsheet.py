"""CSV downloads that a spreadsheet opens as text, never as a formula (OWASP CSV injection).

Every CSV export goes through ``csv_response`` (or ``csv_text``). A cell whose text begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote,
so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it.

One exception, on purpose: a cell that is nothing but a plain decimal number (``-3``,
``-0.25``) stays a number. Figures such as a mean change are negative in normal use, and a
spreadsheet cannot run anything from a bare number; quoting it would turn the figure into
text that can no longer be summed or charted. Anything else after the minus sign (``-3+1``,
``-cmd``) is quoted like any other formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response

#: OWASP's list of characters with which a spreadsheet starts a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def safe_cell(value: object) -> str:
    """Return ``value`` as CSV cell text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable[object]], delimiter: str = ",") -> str:
    """Return rows as CSV text with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    """Return rows as a CSV download named ``filename`` (safe cells, see ``safe_cell``)."""
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


#: Excel in a Dutch locale splits on ";" (the decimal sign is the comma) and reads UTF-8 only
#: with a byte-order mark.
LOCALE_DELIMITERS = {"nl": ";", "en": ","}


def localised_csv_response(
    rows: Iterable[Iterable[object]], filename: str, locale: str
) -> Response:
    """A CSV download that opens in columns in the reader's Excel: a UTF-8 byte-order mark,
    ``;`` and decimal commas for Dutch, ``,`` and decimal points for English (safe cells)."""
    delimiter = LOCALE_DELIMITERS.get(locale, ",")
    if delimiter == ";":
        rows = ([_decimal_comma(value) for value in row] for row in rows)
    return Response(
        "\ufeff" + csv_text(rows, delimiter),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _decimal_comma(value: object) -> object:
    text = "" if value is None else str(value)
    return text.replace(".", ",") if _PLAIN_NUMBER.fullmatch(text) else value
