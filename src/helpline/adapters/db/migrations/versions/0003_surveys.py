"""Satisfaction surveys (CSAT 1-5, NPS 0-10).

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'surveys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('nps', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 5', name=op.f('ck_surveys_score')),
        sa.CheckConstraint('nps IS NULL OR nps BETWEEN 0 AND 10', name=op.f('ck_surveys_nps')),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_surveys_agent_id_agents')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_surveys_case_id_cases')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_surveys_client_id_clients')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_surveys_customer_id_customers')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_surveys_interaction_id_interactions')),
        sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_surveys_queue_id_queues')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    )
    op.create_index(op.f('ix_surveys_case_id'), 'surveys', ['case_id'], unique=False)
    op.create_index(op.f('ix_surveys_client_id'), 'surveys', ['client_id'], unique=False)
    op.create_index(op.f('ix_surveys_interaction_id'), 'surveys', ['interaction_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_surveys_interaction_id'), table_name='surveys')
    op.drop_index(op.f('ix_surveys_client_id'), table_name='surveys')
    op.drop_index(op.f('ix_surveys_case_id'), table_name='surveys')
    op.drop_table('surveys')
