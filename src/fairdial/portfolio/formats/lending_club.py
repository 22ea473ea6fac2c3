"""OpenIntro's sample of 10,000 Lending Club loans issued in early 2018.

Data row n becomes account and borrower `lc-<n>`. The file states a loan status, not days past
due, so each overdue status gets one representative figure inside its band (see `STATUS_DPD`).
"""

from __future__ import annotations

from decimal import Decimal

from fairdial.portfolio import fields
from fairdial.portfolio.records import (
    AccountRecord,
    BorrowerRecord,
    PortfolioRow,
    RowRejected,
    status_for,
)
from fairdial.portfolio.synthetic import UsIdentities
from fairdial.portfolio.us_timezones import state_timezones

# Representative days past due per loan status. Lending Club's grace period is the first 15
# days, so 10 sits inside it; 23 and 75 are near the middle of the "Late" bands; a loan is
# charged off after 120+ days and 180 is the usual point for revolving and instalment credit.
STATUS_DPD: dict[str, int] = {
    "Current": 0,
    "Fully Paid": 0,
    "In Grace Period": 10,
    "Late (16-30 days)": 23,
    "Late (31-120 days)": 75,
    "Charged Off": 180,
}
_MONEY_ATTRIBUTES = ("annual_income", "installment", "paid_total", "paid_late_fees")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class LendingClubFormat:
    source = "lending-club"
    refs_in_file = False
    required_columns: tuple[str, ...] = (
        "state",
        "loan_status",
        "balance",
        "grade",
        "term",
        "loan_amount",
        *_MONEY_ATTRIBUTES,
    )

    def __init__(self) -> None:
        self._identities = UsIdentities()

    def account_ref(self, values: dict[str, str]) -> str | None:
        return None  # the reference is made from the row's line, and no two rows share one

    def parse(self, line: int, values: dict[str, str]) -> PortfolioRow:
        status = fields.required(values.get("loan_status"), "loan_status")
        if status not in STATUS_DPD:
            known = ", ".join(STATUS_DPD)
            raise RowRejected("loan_status", f"unknown loan status (known: {known})")
        state = fields.required(values.get("state"), "state").upper()
        try:
            state_timezones(state)
        except ValueError:
            raise RowRejected("state", "unknown US state code") from None
        # A territory has time zones but no policy pack; calls there could not be checked.
        jurisdiction = fields.jurisdiction_code(f"US-{state}", "state")
        balance = fields.parse_money(values.get("balance"), "balance", "USD")
        loan_amount = fields.parse_money(
            values.get("loan_amount"), "loan_amount", "USD", what="loan amount"
        )
        term = fields.parse_int(values.get("term"), "term")
        money = {c: fields.parse_decimal(values.get(c), c) for c in _MONEY_ATTRIBUTES}
        grade = fields.required(values.get("grade"), "grade")

        dpd = STATUS_DPD[status]
        ref = f"lc-{line - 1}"
        person = self._identities.identity(line - 1, state=state)
        attributes = {
            "loan_status": status,
            "grade": grade,
            "term": term,
            "loan_amount": loan_amount // 100 if loan_amount % 100 == 0 else loan_amount / 100,
            **{c: _number(v) for c, v in money.items()},
        }
        return PortfolioRow(
            line=line,
            borrower=BorrowerRecord(
                ref=ref,
                language="en-US",
                name=person.name,
                birth_date=person.birth_date,
                synthetic=True,
            ),
            account=AccountRecord(
                ref=ref,
                source=self.source,
                product="personal_loan",
                currency="USD",
                balance_minor=balance,
                principal_minor=loan_amount,
                dpd=dpd,
                jurisdiction=jurisdiction,
                status=status_for(dpd),
                attributes=attributes,
            ),
            contacts=person.contacts,
        )
