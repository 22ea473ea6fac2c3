"""The YAML mapping that tells the generic `csv` format which column holds which field.

See MAPPING.md next to this module for the file format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fairdial.portfolio.table import PortfolioReadError

FIELDS = (
    "account_ref",
    "borrower_ref",
    "name",
    "national_id",
    "birth_date",
    "phone",
    "phone_kind",
    "phone_timezones",
    "balance",
    "currency",
    "dpd",
    "language",
    "jurisdiction",
    "product",
    "ai_voice_consent",
    "synthetic",
)
# Fields a row cannot do without, from a column or a default. borrower_ref falls back to
# account_ref: one borrower per account unless the file says otherwise.
REQUIRED = ("account_ref", "balance", "currency", "dpd", "language", "jurisdiction")
_KEYS = {"source", "columns", "defaults", "keep", "allow_negative_balance"}


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]
    defaults: dict[str, str] = field(default_factory=dict)
    source: str = "csv"
    keep: tuple[str, ...] = ()
    allow_negative_balance: bool = False
    # Without a mapping file, any of our fields that the header names is read as well.
    optional_by_name: bool = False

    def file_columns(self) -> tuple[str, ...]:
        """Every column of the file the mapping reads; each must be in the header."""
        return tuple(dict.fromkeys([*self.columns.values(), *self.keep]))


def default_mapping() -> Mapping:
    """Without a mapping file the columns are named as our fields; only required ones must be."""
    return Mapping(columns={f: f for f in REQUIRED}, optional_by_name=True)


def load_mapping(path: Path) -> Mapping:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortfolioReadError(f"mapping file not found: {path}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PortfolioReadError(f"mapping file {path.name} is not valid YAML: {exc}") from None
    return parse_mapping(data, path.name)


def parse_mapping(data: Any, name: str = "mapping") -> Mapping:
    if not isinstance(data, dict):
        raise PortfolioReadError(f"{name}: expected a mapping with a 'columns' section")
    unknown = set(data) - _KEYS
    if unknown:
        raise PortfolioReadError(f"{name}: unknown key {sorted(unknown)[0]!r}")
    columns = _text_table(data.get("columns") or {}, name, "columns")
    defaults = _text_table(data.get("defaults") or {}, name, "defaults")
    for section, table in (("columns", columns), ("defaults", defaults)):
        for key in table:
            if key not in FIELDS:
                raise PortfolioReadError(f"{name}: unknown field {key!r} in {section}")
    for key in REQUIRED:
        if key not in columns and key not in defaults:
            raise PortfolioReadError(f"{name}: field {key!r} needs a column or a default")
    keep = data.get("keep") or []
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise PortfolioReadError(f"{name}: 'keep' must be a list of column names")
    allow_negative = data.get("allow_negative_balance", False)
    if not isinstance(allow_negative, bool):
        raise PortfolioReadError(f"{name}: 'allow_negative_balance' must be true or false")
    return Mapping(
        columns=columns,
        defaults=defaults,
        source=str(data.get("source") or "csv")[:32],
        keep=tuple(keep),
        allow_negative_balance=allow_negative,
    )


def _text_table(value: Any, name: str, section: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PortfolioReadError(f"{name}: '{section}' must map field names to values")
    table: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            item = "true" if item else "false"
        if not isinstance(item, str | int | float):
            raise PortfolioReadError(f"{name}: {section}.{key} must be a single value")
        table[str(key)] = str(item)
    return table
