"""The invitation list reader: a pure function from an upload's bytes to report lines."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event

from learnpath.accounts.models import Role
from learnpath.cohorts.invite_csv import Line, NotReadable, Problem, delimiter, parse, parse_text
from learnpath.extensions import db
from tests.factories import make_cohort


def emails(lines: list[Line]) -> list[str]:
    return [line.email for line in lines if line.problem is None]


def test_one_address_per_row_normalised_in_file_order() -> None:
    lines = parse(b"Een@Example.org\n  twee@example.org  \ndrie@example.org\n")
    assert lines == [
        Line(1, "een@example.org"),
        Line(2, "twee@example.org"),
        Line(3, "drie@example.org"),
    ]


def test_a_byte_order_mark_is_not_part_of_the_first_address() -> None:
    assert emails(parse("\ufeffeen@example.org\ntwee@example.org\n".encode())) == [
        "een@example.org",
        "twee@example.org",
    ]


def test_a_bom_before_a_header_still_makes_it_a_header() -> None:
    assert parse("\ufeffE-mailadres;Naam\neen@example.org;Een\n".encode()) == [
        Line(2, "een@example.org")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email;naam\neen@example.org;Een, Anna\n", ";"),  # Dutch Excel
        ("email,naam\neen@example.org,Een\n", ","),
        ("a;b,c,d\n", ","),  # more commas than semicolons
        ("a;b;c,d\n", ";"),
        ("", ","),
    ],
)
def test_the_separator_follows_the_first_line(text: str, expected: str) -> None:
    assert delimiter(text) == expected


def test_only_the_first_column_counts_with_either_separator() -> None:
    assert emails(parse_text("een@example.org;Een, Anna;x\n")) == ["een@example.org"]
    assert emails(parse_text("een@example.org,Een;Anna\n")) == ["een@example.org"]


@pytest.mark.parametrize("header", ["email", "E-mail", "E-mailadres", "Email address;Name"])
def test_a_first_row_without_an_address_is_a_header(header: str) -> None:
    assert parse_text(f"{header}\neen@example.org\n") == [Line(2, "een@example.org")]


def test_a_later_row_without_an_address_is_reported_as_written() -> None:
    lines = parse_text("een@example.org\ngeen-adres\n Nog Een \n")
    assert lines == [
        Line(1, "een@example.org"),
        Line(2, "geen-adres", Problem.NOT_AN_EMAIL),
        Line(3, " Nog Een ", Problem.NOT_AN_EMAIL),
    ]


def test_a_row_with_an_empty_first_cell_but_other_content_is_reported() -> None:
    assert parse_text("een@example.org\n,iets\n") == [
        Line(1, "een@example.org"),
        Line(2, "", Problem.NOT_AN_EMAIL),
    ]


def test_blank_rows_are_skipped_and_keep_their_numbers() -> None:
    lines = parse_text("\neen@example.org\n\n  \n,\ntwee@example.org\n")
    assert lines == [Line(2, "een@example.org"), Line(6, "twee@example.org")]


def test_an_empty_file_has_no_lines() -> None:
    assert parse(b"") == []
    assert parse("\ufeff".encode()) == []
    assert parse(b"\n\n") == []


def test_a_repeated_address_in_any_case_is_a_duplicate_row() -> None:
    lines = parse_text(
        "email\neen@example.org\nEEN@example.org\ntwee@example.org\neen@example.org\n"
    )
    assert lines == [
        Line(2, "een@example.org"),
        Line(3, "een@example.org", Problem.DUPLICATE),
        Line(4, "twee@example.org"),
        Line(5, "een@example.org", Problem.DUPLICATE),
    ]


def test_windows_and_old_mac_line_ends() -> None:
    assert emails(parse(b"een@example.org\r\ntwee@example.org\r\n")) == [
        "een@example.org",
        "twee@example.org",
    ]
    # A lone CR ended the csv module with an error (a 500) when read line by line.
    assert emails(parse(b"een@example.org\rtwee@example.org\r")) == [
        "een@example.org",
        "twee@example.org",
    ]


@pytest.mark.parametrize(
    "data",
    [
        "een@example.org\nmüller@example.org\n".encode("latin-1"),  # Excel's "CSV (Windows)"
        "een@example.org\n".encode("utf-16"),
        b"\xff\xfe\x00",
    ],
)
def test_anything_but_utf8_is_refused_whole(data: bytes) -> None:
    with pytest.raises(NotReadable):
        parse(data)


def test_a_field_beyond_the_csv_limit_is_refused_not_a_crash() -> None:
    with pytest.raises(NotReadable):
        parse_text('"' + "x" * 200_000 + '"\n')


def test_quoted_cells_are_unquoted() -> None:
    assert parse_text('"email"\n"een@example.org","Een, Anna"\n') == [Line(2, "een@example.org")]


def test_the_separator_comes_from_the_first_line_only() -> None:
    # The first line has no semicolon, so ";" later is part of the first cell (and makes it
    # a malformed address).
    assert parse_text("een@example.org\n;twee@example.org\n") == [
        Line(1, "een@example.org"),
        Line(2, ";twee@example.org", Problem.NOT_AN_EMAIL),
    ]


# --- through the page ----------------------------------------------------------------------


def _upload(client, cohort, data: bytes):
    return client.post(
        f"/cohorten/{cohort.id}/uitnodigen-csv",
        data={"file": (io.BytesIO(data), "lijst.csv")},
        content_type="multipart/form-data",
    )


def test_an_old_mac_file_is_read_not_a_server_error(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    make_user(Role.PARTICIPANT, email="een@example.org")
    login_as(coach)
    response = _upload(client, cohort, b"email\reen@example.org\ronbekend@example.org\r")
    assert response.status_code == 200
    assert "1 uitgenodigd, 1 geweigerd" in response.text


def test_a_latin1_file_is_refused_with_a_message(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    login_as(coach)
    response = _upload(client, cohort, "müller@example.org\n".encode("latin-1"))
    assert response.status_code == 302
    flashed = client.get(response.headers["Location"]).text
    assert "UTF-8" in flashed


def test_the_accounts_of_a_long_list_are_looked_up_at_once(client, org, make_user, login_as):
    coach = make_user(Role.FACILITATOR)
    cohort = make_cohort(org, coach)
    login_as(coach)
    rows = "".join(f"onbekend-{i}@example.org\n" for i in range(40)).encode()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = _upload(client, cohort, rows).text
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert "0 uitgenodigd, 40 geweigerd" in page
    lookups = [s for s in statements if "FROM users" in s and "users.email IN" in s]
    assert len(lookups) == 1, statements
