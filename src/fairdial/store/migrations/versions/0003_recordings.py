"""call recordings; a due time on escalations (scheduled callbacks)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("audio_bytes", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("retain_until", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording")),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["call_attempt.id"], name=op.f("fk_recording_attempt_id_call_attempt")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_recording_account_id_account")
        ),
    )
    op.create_index(op.f("ix_recording_call_id"), "recording", ["call_id"])
    op.create_index(op.f("ix_recording_attempt_id"), "recording", ["attempt_id"])
    op.create_index(op.f("ix_recording_account_id"), "recording", ["account_id"])
    # In place rather than a batch rebuild, as in 0002.
    op.add_column("escalation", sa.Column("due_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("due_at")
    op.drop_index(op.f("ix_recording_account_id"), table_name="recording")
    op.drop_index(op.f("ix_recording_attempt_id"), table_name="recording")
    op.drop_index(op.f("ix_recording_call_id"), table_name="recording")
    op.drop_table("recording")
