"""A quote opened and never closed is reported on its line; the rows after it are still read."""

from sqlalchemy import select

from fairdial.portfolio import import_portfolio
from fairdial.portfolio.table import read_table
from fairdial.store.models import Account

HEADER = "account_ref,balance,currency,dpd,language,jurisdiction,name\n"


def _write(tmp_path, text: str):
    path = tmp_path / "portfolio.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _refs(store) -> list[str]:
    with store.session() as session:
        return sorted(session.scalars(select(Account.ref)))


def test_quote_left_open_to_the_end_of_the_file(store, tmp_path):
    path = _write(
        tmp_path,
        HEADER + 'A1,10,USD,5,en-US,US-CA,"Pat Lee\nA2,20,USD,6,en-US,US-CA,Sam Wu\n',
    )

    report = import_portfolio(store, path, "csv")

    assert report.rows_read == 2
    assert report.accepted == 1
    [problem] = report.rejections
    assert problem.line == 2
    assert problem.reason == "a quote opened on line 2 is never closed (it runs to line 3)"
    assert _refs(store) == ["A2"]


def test_quote_closed_by_a_later_stray_quote(tmp_path):
    rows = [
        'A1,10,USD,5,en-US,US-CA,"Pat Lee',
        "A2,20,USD,6,en-US,US-CA,Sam Wu",
        'A3,30,USD,7,en-US,US-CA,"Kim Ho',
        "A4,40,USD,8,en-US,US-CA,Lou Ng",
    ]
    table = read_table(_write(tmp_path, HEADER + "\n".join(rows) + "\n"))

    read = [(line, values["account_ref"]) for line, values in table.rows]

    assert read == [(3, "A2"), (5, "A4")]
    assert table.problems == [
        (2, "a quote opened on line 2 is never closed (it runs to line 4)"),
        (4, "a quote opened on line 4 is never closed (it runs to line 5)"),
    ]


def test_quoted_cell_with_a_line_break_is_one_row(tmp_path):
    text = HEADER + 'A1,10,USD,5,en-US,US-CA,"Pat\nLee"\nA2,20,USD,6,en-US,US-CA,Sam Wu\n'
    table = read_table(_write(tmp_path, text))

    read = [(line, values["account_ref"], values["name"]) for line, values in table.rows]

    assert read == [(2, "A1", "Pat\nLee"), (4, "A2", "Sam Wu")]
    assert table.problems == []


def test_escaped_quotes_inside_a_cell_are_not_a_stray_quote(tmp_path):
    text = HEADER + 'A1,10,USD,5,en-US,US-CA,"Pat ""PJ"" Lee"\nA2,20,USD,6,en-US,US-CA,Sam\n'
    table = read_table(_write(tmp_path, text))

    assert [values["name"] for _, values in table.rows] == ['Pat "PJ" Lee', "Sam"]
    assert table.problems == []


def test_unclosed_quote_in_a_semicolon_file(tmp_path):
    header = HEADER.replace(",", ";")
    text = header + 'A1;10;USD;5;en-US;US-CA;"Pat\nA2;20;USD;6;en-US;US-CA;Sam\n'
    table = read_table(_write(tmp_path, text))

    assert [line for line, _ in table.rows] == [3]
    assert table.problems == [(2, "a quote opened on line 2 is never closed (it runs to line 3)")]
