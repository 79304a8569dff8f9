"""quality: quality control: scorecards, criteria, sampling, evaluations, acknowledgement.

Scorecards (criteria as JSON, versioned by name), the weekly sample's evaluation tasks (one per interaction),
the history of each evaluation, and on quality_evaluations the scorecard, answers, agent, error-free flag
and acknowledgement status.

Revision ID: 0015
Revises: 0014
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import helpline.adapters.db.types

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
UTC = helpline.adapters.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'quality_scorecards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=True),
        sa.Column('criteria', JSONDocument, nullable=False),
        sa.Column('critical_cap', sa.Float(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('critical_cap >= 0 AND critical_cap <= 100',
                           name=op.f('ck_quality_scorecards_critical_cap')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_quality_scorecards_client_id_clients')),
        sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_quality_scorecards_queue_id_queues')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_quality_scorecards_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_scorecards')),
        sa.UniqueConstraint('name', 'version', name='uq_quality_scorecards_name_version'),
    )
    with op.batch_alter_table('quality_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scorecard_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answers', JSONDocument, nullable=True))
        batch_op.add_column(sa.Column('agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('error_free', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='submitted', nullable=False))
        batch_op.add_column(sa.Column('updated_at', UTC, nullable=True))
        batch_op.create_foreign_key(op.f('fk_quality_evaluations_scorecard_id_quality_scorecards'),
                                    'quality_scorecards', ['scorecard_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_quality_evaluations_agent_id_agents'), 'agents', ['agent_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_quality_evaluations_agent_id'), ['agent_id'], unique=False)
    # the agent of the evaluations written before quality control: the interaction's
    op.execute("UPDATE quality_evaluations SET agent_id = (SELECT agent_id FROM interactions "
               "WHERE interactions.id = quality_evaluations.interaction_id), "
               "error_free = NOT critical_error")
    op.create_table(
        'quality_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=12), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('evaluation_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("reason IN ('random','low_score','complaint','medical')",
                           name=op.f('ck_quality_tasks_reason')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_quality_tasks_interaction_id_interactions')),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_quality_tasks_agent_id_agents')),
        sa.ForeignKeyConstraint(['evaluation_id'], ['quality_evaluations.id'],
                                name=op.f('fk_quality_tasks_evaluation_id_quality_evaluations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_tasks')),
        sa.UniqueConstraint('interaction_id', name=op.f('uq_quality_tasks_interaction_id')),
    )
    op.create_index('ix_quality_tasks_agent_id', 'quality_tasks', ['agent_id'], unique=False)
    op.create_index('ix_quality_tasks_week', 'quality_tasks', ['week'], unique=False)
    op.create_table(
        'quality_evaluation_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evaluation_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('data', JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(['evaluation_id'], ['quality_evaluations.id'],
                                name=op.f('fk_quality_evaluation_history_evaluation_id_quality_evaluations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quality_evaluation_history_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_evaluation_history')),
    )
    op.create_index('ix_quality_evaluation_history_evaluation_id', 'quality_evaluation_history', ['evaluation_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_quality_evaluation_history_evaluation_id', table_name='quality_evaluation_history')
    op.drop_table('quality_evaluation_history')
    op.drop_index('ix_quality_tasks_week', table_name='quality_tasks')
    op.drop_index('ix_quality_tasks_agent_id', table_name='quality_tasks')
    op.drop_table('quality_tasks')
    with op.batch_alter_table('quality_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_evaluations_agent_id'))
        batch_op.drop_constraint(op.f('fk_quality_evaluations_agent_id_agents'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_quality_evaluations_scorecard_id_quality_scorecards'), type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('status')
        batch_op.drop_column('error_free')
        batch_op.drop_column('agent_id')
        batch_op.drop_column('answers')
        batch_op.drop_column('scorecard_id')
    op.drop_table('quality_scorecards')
