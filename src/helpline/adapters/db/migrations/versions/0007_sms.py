"""SMS channel: the parts of long SMS sent through an SMPP centre (each part has its own receipt).

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'sms_parts',
        sa.Column('provider', sa.String(length=100), nullable=False),
        sa.Column('part_id', sa.String(length=100), nullable=False),
        sa.Column('outbound_message_id', BigId, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['outbound_message_id'], ['outbound_messages.id'],
                                name=op.f('fk_sms_parts_outbound_message_id_outbound_messages')),
        sa.PrimaryKeyConstraint('provider', 'part_id', name=op.f('pk_sms_parts')),
    )
    op.create_index(op.f('ix_sms_parts_outbound_message_id'), 'sms_parts', ['outbound_message_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_sms_parts_outbound_message_id'), table_name='sms_parts')
    op.drop_table('sms_parts')
