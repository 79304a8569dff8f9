"""complaint_warnings: complaint deadline warnings: when the handler was warned that a complaint is due soon.

On complaints when the last deadline warning was e-mailed and the due date it warned about; on users their
e-mail address (where the warnings go) and time zone (in which the due date is written), set on the admin users
form and the users API.

Revision ID: 0020
Revises: 0019
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import helpline.adapters.db.types

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = helpline.adapters.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warned_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('warned_due_at', UTC, nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('email')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('warned_due_at')
        batch_op.drop_column('warned_at')
