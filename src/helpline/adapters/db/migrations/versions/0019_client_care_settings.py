"""client_care_settings: client care settings: each client's complaint deadline rule is already a column (0013); this adds the survey sent when a case is resolved.

Revision ID: 0019
Revises: 0018
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # sms, email, auto (SMS to a phone, else e-mail) or null: no survey when the client's cases are resolved
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_after_resolve', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('survey_after_resolve')
