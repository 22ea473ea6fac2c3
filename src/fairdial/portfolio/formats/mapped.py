"""Any lender's CSV, spreadsheet or Parquet file, read through a column mapping."""

from __future__ import annotations

from zoneinfo import available_timezones

from fairdial.portfolio import fields, phones
from fairdial.portfolio.mapping import Mapping
from fairdial.portfolio.records import (
    NO_POSITIVE_BALANCE,
    AccountRecord,
    BorrowerRecord,
    ContactRecord,
    PortfolioRow,
    RowRejected,
    status_for,
)

LENDER_CONSENT = "lender file"


class MappedFormat:
    refs_in_file = True

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.source = mapping.source
        self.required_columns = mapping.file_columns()
        self._zones = available_timezones()

    def _get(self, values: dict[str, str], name: str) -> tuple[str | None, str]:
        """A field's text and the column to blame for it (the field name for a default)."""
        column = self.mapping.columns.get(name)
        if column is None and self.mapping.optional_by_name and name in values:
            column = name
        if column is not None:
            text = values.get(column, "")
            if text.strip() or name not in self.mapping.defaults:
                return text, column
        return self.mapping.defaults.get(name), column or name

    def account_ref(self, values: dict[str, str]) -> str | None:
        try:
            return fields.ref_text(*self._get(values, "account_ref"))
        except RowRejected:
            return None  # the row is rejected for its reference itself

    def parse(self, line: int, values: dict[str, str]) -> PortfolioRow:
        get = self._get
        account_ref = fields.ref_text(*get(values, "account_ref"))
        borrower_text, borrower_column = get(values, "borrower_ref")
        borrower_ref = (
            fields.ref_text(borrower_text, borrower_column)
            if (borrower_text or "").strip()
            else account_ref
        )
        currency = fields.currency_code(*get(values, "currency"))
        balance_text, balance_column = get(values, "balance")
        balance = fields.parse_money(
            balance_text,
            balance_column,
            currency,
            allow_negative=self.mapping.allow_negative_balance,
        )
        dpd = fields.parse_dpd(*get(values, "dpd"))
        language = fields.language_tag(*get(values, "language"))
        jurisdiction = fields.jurisdiction_code(*get(values, "jurisdiction"))
        product = fields.optional_text(*get(values, "product"), max_length=32) or "loan"
        borrower = BorrowerRecord(
            ref=borrower_ref,
            language=language,
            name=fields.optional_text(*get(values, "name")),
            national_id=fields.optional_text(*get(values, "national_id"), max_length=64),
            birth_date=fields.parse_birth_date(*get(values, "birth_date")),
            synthetic=fields.parse_flag(*get(values, "synthetic")),
        )

        warnings: list[tuple[str | None, str]] = []
        if dpd > 0 and balance <= 0:
            warnings.append((balance_column, NO_POSITIVE_BALANCE))
        contacts: tuple[ContactRecord, ...] = ()
        phone_text, phone_column = get(values, "phone")
        if (phone_text or "").strip():
            contacts = (self._contact(values, phone_text, phone_column, jurisdiction, warnings),)
        else:
            warnings.append((phone_column, "no phone number"))

        account = AccountRecord(
            ref=account_ref,
            source=self.source,
            product=product,
            currency=currency,
            balance_minor=balance,
            dpd=dpd,
            jurisdiction=jurisdiction,
            status=status_for(dpd),
            attributes={c: values.get(c, "") for c in self.mapping.keep},
        )
        return PortfolioRow(line, borrower, account, contacts, tuple(warnings))

    def _contact(
        self,
        values: dict[str, str],
        phone_text: str | None,
        phone_column: str,
        jurisdiction: str,
        warnings: list[tuple[str | None, str]],
    ) -> ContactRecord:
        number = phones.normalise(phone_text, phone_column, phones.region_of(jurisdiction))
        kind = phones.phone_kind(*self._get(values, "phone_kind"))
        consent = fields.parse_flag(*self._get(values, "ai_voice_consent"))

        zone_text, zone_column = self._get(values, "phone_timezones")
        zones = tuple(z.strip() for z in (zone_text or "").replace(",", ";").split(";"))
        zones = tuple(z for z in zones if z)
        for zone in zones:
            if zone not in self._zones:
                raise RowRejected(zone_column, "not an IANA time zone name")
        zones = zones or phones.jurisdiction_timezones(jurisdiction)
        zones = zones or phones.number_timezones(number)
        if not zones:
            warnings.append((phone_column, "no time zone known for the phone number"))

        return ContactRecord(
            number=number,
            kind=kind,
            timezones=zones,
            place="home" if kind == "landline" else None,
            ai_voice_consent=consent,
            consent_source=LENDER_CONSENT if consent else None,
        )
