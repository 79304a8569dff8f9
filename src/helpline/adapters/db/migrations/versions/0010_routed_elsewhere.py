"""interactions.routed_elsewhere: imported history and a PBX's queue_log were routed by the system they came
from; everything else, including what the channels (chat, e-mail, SMS, app) take in without a user, is
Helpline's to route. (Before, "no creating user" stood for "imported", which kept channel requests from
live routing.)

Revision ID: 0010
Revises: 0009
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IMPORT_KEYS = ("queue_log:%", "bank:%", "csv:%")  # the idempotency keys `helpline import` gives


def upgrade() -> None:
    with op.batch_alter_table('interactions') as batch:
        batch.add_column(sa.Column('routed_elsewhere', sa.Boolean(), nullable=False, server_default=sa.false()))
    interactions = sa.table('interactions', sa.column('routed_elsewhere', sa.Boolean()),
                            sa.column('created_by_user_id', sa.Integer()), sa.column('idempotency_key', sa.String()))
    op.execute(interactions.update()
               .where(interactions.c.created_by_user_id.is_(None),
                      sa.or_(*(interactions.c.idempotency_key.like(key) for key in IMPORT_KEYS)))
               .values(routed_elsewhere=True))


def downgrade() -> None:
    with op.batch_alter_table('interactions') as batch:
        batch.drop_column('routed_elsewhere')
