"""complaint_warnings: complaint deadline warnings: when the handler was warned that a complaint is due soon.

On complaints when the last deadline warning was e-mailed and the due date it warned about; the staff e-mail
addresses (and time zones) the warnings go to.

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
    op.create_table(
        'staff_contacts',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=True),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_contacts_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_staff_contacts')),
    )


def downgrade() -> None:
    op.drop_table('staff_contacts')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('warned_due_at')
        batch_op.drop_column('warned_at')
