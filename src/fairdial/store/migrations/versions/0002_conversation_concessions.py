"""conversation variant and concessions; settlement promises

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch rebuild: SQLite adds a column with a constant default in
    # place, while rebuilding a table that others reference would trip their foreign keys.
    op.add_column("conversation", sa.Column("variant", sa.String(length=32), nullable=True))
    op.add_column(
        "conversation",
        sa.Column("concessions", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column(
        "promise_to_pay",
        sa.Column("settlement", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("promise_to_pay") as batch:
        batch.drop_column("settlement")
    with op.batch_alter_table("conversation") as batch:
        batch.drop_column("concessions")
        batch.drop_column("variant")
