"""The UCI "default of credit card clients" data set: 30,000 Taiwanese card holders, 2005.

Data row n becomes account and borrower `uci-<n>`. PAY_0 is September 2005's repayment status in
months of delay, so PAY_0 >= 1 is an overdue account at PAY_0 * 30 days past due. The balance is
September's bill (BILL_AMT1) in whole NT dollars; a bill of zero or less (a credit balance) is
kept as it is and reported as a warning when the account is overdue.
"""

from __future__ import annotations

from fairdial.portfolio import fields
from fairdial.portfolio.records import (
    NO_POSITIVE_BALANCE,
    AccountRecord,
    BorrowerRecord,
    PortfolioRow,
    RowRejected,
    status_for,
)
from fairdial.portfolio.synthetic import TaiwanIdentities

PAY_COLUMNS = ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6")
_WHOLE_COLUMNS = ("LIMIT_BAL", "EDUCATION", "MARRIAGE", *PAY_COLUMNS, "PAY_AMT1", "BILL_AMT2")


class UciTaiwanFormat:
    source = "uci-taiwan"
    refs_in_file = False
    required_columns: tuple[str, ...] = ("SEX", "AGE", "BILL_AMT1", "default", *_WHOLE_COLUMNS)

    def __init__(self) -> None:
        self._identities = TaiwanIdentities()

    def account_ref(self, values: dict[str, str]) -> str | None:
        return None  # the reference is made from the row's line, and no two rows share one

    def parse(self, line: int, values: dict[str, str]) -> PortfolioRow:
        numbers = {c: fields.parse_int(values.get(c), c) for c in _WHOLE_COLUMNS}
        sex = fields.parse_int(values.get("SEX"), "SEX")
        if sex not in (1, 2):
            raise RowRejected("SEX", "SEX must be 1 (male) or 2 (female)")
        age = fields.parse_int(values.get("AGE"), "AGE")
        if not 18 <= age <= 110:
            raise RowRejected("AGE", "age is outside 18-110")
        default = fields.parse_int(values.get("default"), "default")
        if default not in (0, 1):
            raise RowRejected("default", "default must be 0 or 1")
        balance = fields.parse_money(
            values.get("BILL_AMT1"), "BILL_AMT1", "TWD", allow_negative=True
        )

        pay_0 = numbers["PAY_0"]
        dpd = pay_0 * 30 if pay_0 >= 1 else 0
        warnings = (("BILL_AMT1", NO_POSITIVE_BALANCE),) if dpd > 0 and balance <= 0 else ()

        # The file has no ID column: the n-th data row sits on line n + 1, after the header.
        ref = f"uci-{line - 1}"
        person = self._identities.identity(line - 1, age=age, female=sex == 2)
        attributes = {
            "default": default,
            "limit_bal": numbers["LIMIT_BAL"],
            "age": age,
            "sex": sex,
            "education": numbers["EDUCATION"],
            "marriage": numbers["MARRIAGE"],
            **{c.lower(): numbers[c] for c in PAY_COLUMNS},
            "pay_amt1": numbers["PAY_AMT1"],
            "bill_amt1": balance,
            "bill_amt2": numbers["BILL_AMT2"],
        }
        return PortfolioRow(
            line=line,
            borrower=BorrowerRecord(
                ref=ref,
                language="zh-TW",
                name=person.name,
                national_id=person.national_id,
                birth_date=person.birth_date,
                synthetic=True,
            ),
            account=AccountRecord(
                ref=ref,
                source=self.source,
                product="credit_card",
                currency="TWD",
                balance_minor=balance,
                dpd=dpd,
                jurisdiction="TW",
                status=status_for(dpd),
                attributes=attributes,
            ),
            contacts=person.contacts,
            warnings=warnings,
        )
