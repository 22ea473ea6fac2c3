"""Rows that fail validation are rejected with line, column and reason; nothing is dropped."""

import csv

from sqlalchemy import select

from fairdial.portfolio import import_portfolio
from fairdial.portfolio.formats.uci_taiwan import UciTaiwanFormat
from fairdial.store.models import Account, Borrower

from .conftest import LENDING_CLUB_FILE, UCI_FILE

MAPPING = """
source: acme
columns:
  account_ref: Loan No
  borrower_ref: Customer
  name: Full Name
  national_id: ID
  phone: Phone
  phone_kind: Phone Type
  balance: Outstanding
  dpd: Days Late
  jurisdiction: Region
  ai_voice_consent: Consent
defaults:
  currency: USD
  language: en-US
  product: auto_loan
"""

HEADER = "Loan No,Customer,Full Name,ID,Phone,Phone Type,Outstanding,Days Late,Region,Consent\n"
GOOD = "L1,C1,Ann Lee,123-45-6789,(212) 555-0142,mobile,1250.50,35,US-NY,yes\n"


def _import(store, tmp_path, rows: str):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING)
    path = tmp_path / "loans.csv"
    path.write_text(HEADER + rows)
    return import_portfolio(store, path, "csv", mapping=mapping)


def _by_line(report):
    return {p.line: (p.column, p.reason) for p in report.rejections}


def test_each_bad_field_is_rejected_with_line_and_column(store, tmp_path):
    rows = (
        GOOD
        + "L2,C2,Bo Chan,987-65-4321,(212) 555-0143,mobile,12x.50,10,US-NY,yes\n"
        + "L3,C3,Cy Diaz,111-22-3333,(212) 555-0144,mobile,-20.00,10,US-NY,no\n"
        + "L4,C4,Di Eng,222-33-4444,(212) 555-0145,pager,20.00,10,US-NY,no\n"
        + "L5,C5,Ed Fox,333-44-5555,12345,mobile,20.00,10,US-NY,no\n"
        + "L6,C6,Fay Gu,444-55-6666,(212) 555-0146,mobile,20.00,,US-NY,no\n"
        + ",C7,Gil Ho,555-66-7777,(212) 555-0147,mobile,20.00,3,US-NY,no\n"
        + "L8,C8,Hal Ip,666-77-8888,(212) 555-0148,mobile,20.001,3,US-NY,no\n"
        + "L9,C9,Ivy Jo,777-88-9999,(212) 555-0149,mobile,20.00,3,US-NY,maybe\n"
        + "L10,C10,Jo Ka,888-99-0000,(212) 555-0150,mobile,20.00,3\n"
    )
    report = _import(store, tmp_path, rows)

    assert report.counts() == {
        "rows_read": 10,
        "accepted": 1,
        "rejected": 9,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "overdue": 1,
        "warnings": 0,
    }
    problems = _by_line(report)
    assert problems[3] == ("Outstanding", "not a number")
    assert problems[4] == ("Outstanding", "negative balance is not allowed")
    assert problems[5][0] == "Phone Type" and "unknown phone kind" in problems[5][1]
    assert problems[6] == ("Phone", "phone number is not a valid number for region US")
    assert problems[7] == ("Days Late", "required value is missing")
    assert problems[8] == ("Loan No", "required value is missing")
    assert problems[9][0] == "Outstanding" and "more decimals than USD" in problems[9][1]
    assert problems[10][0] == "Consent"
    assert problems[11] == (None, "row has 8 fields, the header has 10")


def test_reasons_never_echo_personal_values(store, tmp_path):
    rows = "L1,C1,Ann Lee,123-45-6789,Ann Lee,mobile,Ann Lee,35,US-NY,yes\n"
    report = _import(store, tmp_path, rows)
    assert report.rejected == 1
    text = report.to_json()
    for personal in ("Ann Lee", "123-45-6789"):
        assert personal not in text


def test_rows_repeating_an_account_are_all_rejected_and_shared_borrower_warned(store, tmp_path):
    rows = (
        GOOD
        + "L1,C1,Ann Lee,123-45-6789,(212) 555-0142,mobile,99.00,35,US-NY,yes\n"
        + "L2,C2,Bo Chan,987-65-4321,(212) 555-0143,mobile,99.00,0,US-NY,yes\n"
        + "L3,C2,Bo Chen,987-65-4321,(212) 555-0143,mobile,20.00,10,US-NY,yes\n"
    )
    report = _import(store, tmp_path, rows)
    assert report.accepted == 2 and report.rejected == 2
    reason = "the account reference is on lines 2, 3; none of them is loaded"
    assert _by_line(report) == {2: (None, reason), 3: (None, reason)}
    assert [(w.line, w.reason) for w in report.warnings] == [
        (5, "borrower details differ from line 4; kept those")
    ]
    assert report.overdue == 1
    with store.session() as session:
        assert sorted(session.scalars(select(Account.ref))) == ["L2", "L3"]


def test_a_rejected_row_does_not_let_a_later_row_take_its_account(store, tmp_path):
    rows = (
        "L1,C1,Ann Lee,123-45-6789,(212) 555-0142,mobile,12x.50,35,US-NY,yes\n"
        + "L2,C2,Bo Chan,987-65-4321,(212) 555-0143,mobile,20.00,10,US-NY,yes\n"
        + " L1 ,C1,Ann Lee,123-45-6789,(212) 555-0142,mobile,1250.50,35,US-NY,yes\n"
    )
    report = _import(store, tmp_path, rows)
    assert report.accepted == 1 and report.rejected == 2
    reason = "the account reference is on lines 2, 4; none of them is loaded"
    assert _by_line(report) == {2: (None, reason), 4: (None, reason)}
    with store.session() as session:
        assert list(session.scalars(select(Account.ref))) == ["L2"]


def test_a_repeated_account_leaves_the_stored_one_as_it_was(store, tmp_path):
    _import(store, tmp_path, GOOD)
    rows = (
        GOOD.replace("1250.50", "10.00")
        + "L2,C2,Bo Chan,987-65-4321,(212) 555-0143,mobile,20.00,10,US-NY,yes\n"
        + GOOD.replace("1250.50", "99.00")
    )
    report = _import(store, tmp_path, rows)
    assert report.rejected == 2 and report.created == 1
    with store.session() as session:
        balances = dict(session.execute(select(Account.ref, Account.balance_minor)).all())
    assert balances == {"L1": 125050, "L2": 2000}


def test_a_reference_on_many_lines_names_the_first_five(store, tmp_path):
    rows = "".join(GOOD.replace("1250.50", f"{n}.00") for n in range(1, 9))
    report = _import(store, tmp_path, rows)
    assert report.accepted == 0 and report.rejected == 8
    reasons = {reason for _, reason in _by_line(report).values()}
    assert reasons == {
        "the account reference is on lines 2, 3, 4, 5, 6 and 3 more; none of them is loaded"
    }


def test_negative_balance_allowed_when_the_mapping_says_so(store, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING + "allow_negative_balance: true\n")
    path = tmp_path / "loans.csv"
    path.write_text(HEADER + GOOD.replace("1250.50", "-5.25"))
    report = import_portfolio(store, path, "csv", mapping=mapping)
    assert report.accepted == 1


def test_semicolon_files_and_quoted_cells_are_read(store, tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text(
        "account_ref;balance;currency;dpd;language;jurisdiction\n"
        'A1;"1,250.00";USD;12;en-US;US-TX\n'
        "A2;7;USD;0;en-US;US-TX\n"
    )
    report = import_portfolio(store, path, "csv")
    assert (report.accepted, report.rejected, report.overdue) == (2, 0, 1)


def test_lending_club_row_with_unknown_status_or_state(store, tmp_path):
    with LENDING_CLUB_FILE.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [next(reader) for _ in range(3)]
    rows[0]["loan_status"] = "Sold"
    rows[1]["state"] = "ZZ"
    path = tmp_path / "lc.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    report = import_portfolio(store, path, "lending-club")
    assert report.accepted == 1
    assert [(p.line, p.column) for p in report.rejections] == [(2, "loan_status"), (3, "state")]


def _rows(base: str, **cells: str) -> str:
    """The GOOD row with some cells replaced, by header name."""
    columns = HEADER.strip().split(",")
    values = dict(zip(columns, base.strip().split(","), strict=True))
    values.update({c.replace("_", " "): v for c, v in cells.items()})
    return ",".join(values[c] for c in columns) + "\n"


def test_jurisdiction_without_a_policy_pack_is_rejected(store, tmp_path):
    rows = GOOD + _rows(GOOD, Loan_No="L2", Region="XX") + _rows(GOOD, Loan_No="L3", Region="US-ZZ")
    report = _import(store, tmp_path, rows)

    reason = "no policy pack for this jurisdiction; known: US, US-<state>, TW, CN, HK"
    assert report.accepted == 1
    assert _by_line(report) == {3: ("Region", reason), 4: ("Region", reason)}


def test_language_without_a_conversation_script_is_rejected(store, tmp_path):
    mapping = tmp_path / "map.yaml"
    columns = MAPPING.replace("  language: en-US\n", "")
    mapping.write_text(columns.replace("columns:\n", "columns:\n  language: Lang\n"))
    path = tmp_path / "loans.csv"
    path.write_text(
        HEADER.replace("\n", ",Lang\n")
        + GOOD.replace("\n", ",zh-HK\n")
        + _rows(GOOD, Loan_No="L2").replace("\n", ",en-us\n")
    )
    report = import_portfolio(store, path, "csv", mapping=mapping)

    known = "en-US, zh-CN, zh-TW"
    assert _by_line(report) == {
        2: ("Lang", f"no conversation script for this language; known: {known}")
    }
    with store.session() as session:
        # Spelt as the script is, so the conversation finds it.
        assert session.scalar(select(Borrower.language).where(Borrower.ref == "C1")) == "en-US"


def test_language_tags_in_any_case_are_stored_as_their_script_spells_them(store, tmp_path):
    mapping = tmp_path / "map.yaml"
    columns = MAPPING.replace("  language: en-US\n", "")
    mapping.write_text(columns.replace("columns:\n", "columns:\n  language: Lang\n"))
    path = tmp_path / "loans.csv"
    tags = {"C1": "ZH-TW", "C2": "EN-us", "C3": "zh-cn", "C4": "Zh-Tw"}
    rows = [
        _rows(GOOD, Loan_No=f"L{n}", Customer=ref).replace("\n", f",{tag}\n")
        for n, (ref, tag) in enumerate(tags.items(), start=1)
    ]
    path.write_text(HEADER.replace("\n", ",Lang\n") + "".join(rows))

    report = import_portfolio(store, path, "csv", mapping=mapping)

    assert (report.accepted, report.rejections) == (4, [])
    with store.session() as session:
        stored = dict(session.execute(select(Borrower.ref, Borrower.language)).all())
    assert stored == {"C1": "zh-TW", "C2": "en-US", "C3": "zh-CN", "C4": "zh-TW"}


def test_lending_club_territory_without_a_policy_pack_is_rejected(store, tmp_path):
    with LENDING_CLUB_FILE.open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    row["state"] = "PR"
    path = tmp_path / "lc.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)

    report = import_portfolio(store, path, "lending-club")
    assert [(p.column, p.reason.split(";")[0]) for p in report.rejections] == [
        ("state", "no policy pack for this jurisdiction")
    ]


def test_huge_balances_and_days_past_due_are_rejected(store, tmp_path):
    rows = "".join(
        _rows(GOOD, Loan_No=f"L{n}", Outstanding=balance, Days_Late=dpd)
        for n, (balance, dpd) in enumerate(
            [
                ("10000000000000.00", "36500"),  # exactly 10**15 cents and 100 years: the limits
                ("1e308", "3"),
                ("99999999999999999999999999", "3"),
                ("9e999999", "3"),  # beyond Decimal's exponent range when scaled to cents
                ("10000000000000.01", "3"),
                ("20.00", "36501"),
                ("20.00", "1e308"),
            ],
            start=1,
        )
    )
    report = _import(store, tmp_path, rows)

    assert (report.accepted, report.rejected) == (1, 6)
    assert _by_line(report) == {
        3: ("Outstanding", "balance too large"),
        4: ("Outstanding", "balance too large"),
        5: ("Outstanding", "balance too large"),
        6: ("Outstanding", "balance too large"),
        7: ("Days Late", "days past due above 36,500 (100 years)"),
        8: ("Days Late", "number too large"),
    }
    with store.session() as session:
        stored = session.execute(select(Account.balance_minor, Account.dpd)).one()
    assert tuple(stored) == (10**15, 36500)


def test_overdue_row_with_no_positive_balance_is_warned(store, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING + "allow_negative_balance: true\n")
    path = tmp_path / "loans.csv"
    path.write_text(
        HEADER
        + _rows(GOOD, Loan_No="L1", Outstanding="0", Days_Late="35")
        + _rows(GOOD, Loan_No="L2", Outstanding="-12.50", Days_Late="35")
        + _rows(GOOD, Loan_No="L3", Outstanding="0", Days_Late="0")
    )
    report = import_portfolio(store, path, "csv", mapping=mapping)

    assert report.accepted == 3
    assert [(w.line, w.column, w.reason) for w in report.warnings] == [
        (2, "Outstanding", "overdue with no positive balance"),
        (3, "Outstanding", "overdue with no positive balance"),
    ]


# A mobile number as it might be typed into the wrong column, in the shapes a number takes.
# Any reason holding its last eight digits, separators aside, would have leaked it.
PHONE_DIGITS = "12345678"
PHONE_LIKE = (
    "0912345678",
    "+886912345678",
    "-912345678",
    "912345678.25",
    "0.912345678",
    "912,345,678",
    "9.12345678e8",
    "0912345678912345678912345678",
)


def _first_row(source) -> dict[str, str]:
    with source.open(encoding="utf-8") as handle:
        return next(csv.DictReader(handle))


def _reasons_with_phone_like_cells(store, tmp_path, fmt, base, columns, mapping=None):
    """Import one row per (column, phone-like value) and return every reason in the report."""
    rows = [{**base, column: value} for column in columns for value in PHONE_LIKE]
    if fmt == "csv":
        # The mapped format takes its references from the file: each row needs its own.
        rows = [{**row, "Loan No": f"L{n}"} for n, row in enumerate(rows)]
    path = tmp_path / f"{fmt}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base))
        writer.writeheader()
        writer.writerows(rows)
    report = import_portfolio(store, path, fmt, mapping=mapping)
    assert report.rejected > 0
    return [p.reason for p in report.rejections + report.warnings]


def test_no_reason_repeats_a_phone_number_typed_into_a_numeric_column(store, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING)
    cases = [
        (
            "csv",
            dict(zip(HEADER.strip().split(","), GOOD.strip().split(","), strict=True)),
            ("Outstanding", "Days Late"),
            mapping,
        ),
        ("uci-taiwan", _first_row(UCI_FILE), UciTaiwanFormat.required_columns, None),
        (
            "lending-club",
            _first_row(LENDING_CLUB_FILE),
            (
                "balance",
                "loan_amount",
                "term",
                "annual_income",
                "installment",
                "paid_total",
                "paid_late_fees",
            ),
            None,
        ),
    ]
    for fmt, base, columns, mapped in cases:
        reasons = _reasons_with_phone_like_cells(store, tmp_path, fmt, base, columns, mapped)
        leaked = [r for r in reasons if PHONE_DIGITS in r.replace(",", "")]
        assert leaked == [], fmt
