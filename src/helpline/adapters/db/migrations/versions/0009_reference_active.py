"""Wrap-up codes and not-ready reasons can be deactivated (history keeps referring to them).

Revision ID: 0009
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('wrap_up_codes', 'not_ready_reasons'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    for table in ('not_ready_reasons', 'wrap_up_codes'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('is_active')
