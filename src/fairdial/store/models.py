"""The records fairdial keeps: who is owed what, every contact attempt, and what came of it.

Money is held as integers in the currency's smallest unit (`*_minor`). Names, numbers, identity
factors and transcripts are encrypted at rest; phone numbers are found through a keyed hash.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from fairdial.store.types import EncryptedText, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


class Borrower(Base):
    __tablename__ = "borrower"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(EncryptedText)
    national_id: Mapped[str | None] = mapped_column(EncryptedText)
    birth_date: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str] = mapped_column(String(16))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    accounts: Mapped[list[Account]] = relationship(back_populates="borrower")
    contact_points: Mapped[list[ContactPoint]] = relationship(back_populates="borrower")


class Account(Base):
    """One debt owed by one borrower, as the lender placed it with us."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrower.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    balance_minor: Mapped[int] = mapped_column(BigInteger)
    principal_minor: Mapped[int | None] = mapped_column(BigInteger)
    dpd: Mapped[int] = mapped_column(Integer)
    jurisdiction: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    borrower: Mapped[Borrower] = relationship(back_populates="accounts")


class ContactPoint(Base):
    __tablename__ = "contact_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrower.id"), index=True)
    number: Mapped[str] = mapped_column(EncryptedText)
    number_hash: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(16))
    timezones: Mapped[list[Any]] = mapped_column(default=list)
    ai_voice_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_source: Mapped[str | None] = mapped_column(String(64))
    owner_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]

    borrower: Mapped[Borrower] = relationship(back_populates="contact_points")

    __table_args__ = (UniqueConstraint("borrower_id", "number_hash"),)


class ImportBatch(Base):
    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class CallAttempt(Base):
    """One decision to call, allowed and placed or blocked with its reasons."""

    __tablename__ = "call_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"))
    channel: Mapped[str] = mapped_column(String(16))
    voice: Mapped[str] = mapped_column(String(8), default="ai")
    direction: Mapped[str] = mapped_column(String(8), default="outbound")
    planned_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    allowed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    override: Mapped[str | None] = mapped_column(String(64))
    pack_id: Mapped[str] = mapped_column(String(16))
    pack_version: Mapped[str] = mapped_column(String(32))
    result: Mapped[str | None] = mapped_column(String(24))
    disposition: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_call_attempt_account_planned", "account_id", "planned_at"),)


class Conversation(Base):
    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempt.id"), unique=True)
    language: Mapped[str] = mapped_column(String(16))
    script: Mapped[str] = mapped_column(String(64))
    right_party: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    variant: Mapped[str | None] = mapped_column(String(32))
    # Per voice turn: end of the borrower's speech to the bot's first audio, split into parts.
    latency: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # What the bot gave ground on, in order (settlement offered, plan offered, date countered).
    concessions: Mapped[list[Any]] = mapped_column(default=list)

    turns: Mapped[list[Turn]] = relationship(order_by="Turn.seq", back_populates="conversation")


class Turn(Base):
    __tablename__ = "turn"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(EncryptedText)
    act: Mapped[str | None] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime]

    conversation: Mapped[Conversation] = relationship(back_populates="turns")


class Disposition(Base):
    """What an attempt came to, in the fixed vocabulary of `fairdial.dispositions`."""

    __tablename__ = "disposition"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempt.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32))
    right_party: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime]


class PromiseToPay(Base):
    __tablename__ = "promise_to_pay"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempt.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    settlement: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class PaymentPlan(Base):
    __tablename__ = "payment_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempt.id"))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]

    installments: Mapped[list[PlanInstallment]] = relationship(order_by="PlanInstallment.seq")


class PlanInstallment(Base):
    __tablename__ = "plan_installment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plan.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class Hold(Base):
    """A stop on contact: cease, dispute, attorney, bankruptcy, deceased, hardship, do-not-call."""

    __tablename__ = "hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"))
    kind: Mapped[str] = mapped_column(String(24))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempt.id"))
    placed_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class Escalation(Base):
    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempt.id"))
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=2)
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    # When a human should call back (a transfer with no agent free); None for the queue.
    due_at: Mapped[datetime | None]


class AuditEvent(Base):
    """One entry of the hash-chained audit log; `seq` orders the chain."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    pack_id: Mapped[str | None] = mapped_column(String(16))
    pack_version: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Recording(Base):
    """One call's audio, both legs, encrypted in a file; the row says where and until when."""

    __tablename__ = "recording"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempt.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(512))
    codec: Mapped[str] = mapped_column(String(16))
    channels: Mapped[int] = mapped_column(Integer)
    sample_rate: Mapped[int] = mapped_column(Integer)
    frames: Mapped[int] = mapped_column(Integer)
    audio_bytes: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    retain_until: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
