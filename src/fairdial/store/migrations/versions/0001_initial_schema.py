"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-04 15:16:05.090517
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("pack_id", sa.String(length=16), nullable=True),
        sa.Column("pack_version", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_subject"), ["subject"], unique=False)

    op.create_table(
        "borrower",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("national_id", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_borrower")),
        sa.UniqueConstraint("ref", name=op.f("uq_borrower_ref")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("product", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=True),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrower.id"], name=op.f("fk_account_borrower_id_borrower")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("ref", name=op.f("uq_account_ref")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_borrower_id"), ["borrower_id"], unique=False)

    op.create_table(
        "contact_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("place", sa.String(length=16), nullable=True),
        sa.Column("timezones", sa.JSON(), nullable=False),
        sa.Column("ai_voice_consent", sa.Boolean(), nullable=False),
        sa.Column("consent_source", sa.String(length=64), nullable=True),
        sa.Column("owner_verified", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrower.id"], name=op.f("fk_contact_point_borrower_id_borrower")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_point")),
        sa.UniqueConstraint(
            "borrower_id", "number_hash", name=op.f("uq_contact_point_borrower_id")
        ),
    )
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_point_borrower_id"), ["borrower_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_point_number_hash"), ["number_hash"], unique=False
        )

    op.create_table(
        "call_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("voice", sa.String(length=8), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("planned_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("override", sa.String(length=64), nullable=True),
        sa.Column("pack_id", sa.String(length=16), nullable=False),
        sa.Column("pack_version", sa.String(length=32), nullable=False),
        sa.Column("result", sa.String(length=24), nullable=True),
        sa.Column("disposition", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_call_attempt_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_call_attempt_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_point.id"],
            name=op.f("fk_call_attempt_contact_point_id_contact_point"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_attempt")),
    )
    with op.batch_alter_table("call_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_attempt_account_planned", ["account_id", "planned_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_attempt_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("script", sa.String(length=64), nullable=False),
        sa.Column("right_party", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["call_attempt.id"],
            name=op.f("fk_conversation_attempt_id_call_attempt"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_conversation_attempt_id")),
    )
    op.create_table(
        "disposition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("right_party", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["call_attempt.id"], name=op.f("fk_disposition_attempt_id_call_attempt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposition")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_disposition_attempt_id")),
    )
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_escalation_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["call_attempt.id"], name=op.f("fk_escalation_attempt_id_call_attempt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_account_id"), ["account_id"], unique=False)

    op.create_table(
        "hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_hold_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["call_attempt.id"], name=op.f("fk_hold_attempt_id_call_attempt")
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_point.id"],
            name=op.f("fk_hold_contact_point_id_contact_point"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold")),
    )
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hold_account_id"), ["account_id"], unique=False)

    op.create_table(
        "payment_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_payment_plan_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["call_attempt.id"],
            name=op.f("fk_payment_plan_attempt_id_call_attempt"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plan")),
    )
    with op.batch_alter_table("payment_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_plan_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "promise_to_pay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_promise_to_pay_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["call_attempt.id"],
            name=op.f("fk_promise_to_pay_attempt_id_call_attempt"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_to_pay")),
    )
    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_promise_to_pay_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "plan_installment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["payment_plan.id"], name=op.f("fk_plan_installment_plan_id_payment_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_installment")),
    )
    with op.batch_alter_table("plan_installment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_installment_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("act", sa.String(length=32), nullable=True),
        sa.Column("intent", sa.String(length=32), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_turn_conversation_id_conversation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turn")),
    )
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_turn_conversation_id"), ["conversation_id"], unique=False
        )



def downgrade() -> None:
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_turn_conversation_id"))

    op.drop_table("turn")
    with op.batch_alter_table("plan_installment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_installment_plan_id"))

    op.drop_table("plan_installment")
    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promise_to_pay_account_id"))

    op.drop_table("promise_to_pay")
    with op.batch_alter_table("payment_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_plan_account_id"))

    op.drop_table("payment_plan")
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hold_account_id"))

    op.drop_table("hold")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_account_id"))

    op.drop_table("escalation")
    op.drop_table("disposition")
    op.drop_table("conversation")
    with op.batch_alter_table("call_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_attempt_campaign_id"))
        batch_op.drop_index("ix_call_attempt_account_planned")

    op.drop_table("call_attempt")
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_point_number_hash"))
        batch_op.drop_index(batch_op.f("ix_contact_point_borrower_id"))

    op.drop_table("contact_point")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_borrower_id"))

    op.drop_table("account")
    op.drop_table("import_batch")
    op.drop_table("campaign")
    op.drop_table("borrower")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_subject"))
        batch_op.drop_index(batch_op.f("ix_audit_event_kind"))

    op.drop_table("audit_event")
