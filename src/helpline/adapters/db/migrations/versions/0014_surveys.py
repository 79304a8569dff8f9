"""surveys: satisfaction surveys: review tasks for low scores, call-back campaigns.

Call-back campaigns, the review a score below 4 opens with its history, and on surveys the answer link's
token digest, its expiry, the customer's language, whether NPS is asked, the campaign and the call-back task.

Revision ID: 0014
Revises: 0013
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import helpline.adapters.db.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
UTC = helpline.adapters.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'survey_campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('source', sa.String(length=12), nullable=False),
        sa.Column('period_from', UTC, nullable=False),
        sa.Column('period_to', UTC, nullable=False),
        sa.Column('ask_nps', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('selected', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.CheckConstraint("channel IN ('sms','email','chat','voice')", name=op.f('ck_survey_campaigns_channel')),
        sa.CheckConstraint("source IN ('interactions','cases')", name=op.f('ck_survey_campaigns_source')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_survey_campaigns_client_id_clients')),
        sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_survey_campaigns_queue_id_queues')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_survey_campaigns_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_campaigns')),
    )
    op.create_index(op.f('ix_survey_campaigns_client_id'), 'survey_campaigns', ['client_id'], unique=False)
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('expires_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('ask_nps', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('call_task_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_surveys_token_digest'), ['token_digest'])
        batch_op.create_foreign_key(op.f('fk_surveys_campaign_id_survey_campaigns'), 'survey_campaigns',
                                    ['campaign_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_surveys_call_task_id_call_tasks'), 'call_tasks', ['call_task_id'],
                                    ['id'])
        batch_op.create_index(batch_op.f('ix_surveys_campaign_id'), ['campaign_id'], unique=False)
    op.create_table(
        'survey_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('assigned_user_id', sa.Integer(), nullable=True),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('customer_contacted', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('cause', sa.Text(), nullable=False),
        sa.Column('action', sa.Text(), nullable=False),
        sa.Column('result', sa.String(length=20), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('closed_at', UTC, nullable=True),
        sa.Column('closed_by_user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open','done')", name=op.f('ck_survey_reviews_status')),
        sa.CheckConstraint("result IS NULL OR result IN ('resolved','not_resolved','not_reached')",
                           name=op.f('ck_survey_reviews_result')),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_reviews_survey_id_surveys')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_survey_reviews_client_id_clients')),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_survey_reviews_agent_id_agents')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_survey_reviews_site_id_sites')),
        sa.ForeignKeyConstraint(['assigned_user_id'], ['users.id'],
                                name=op.f('fk_survey_reviews_assigned_user_id_users')),
        sa.ForeignKeyConstraint(['closed_by_user_id'], ['users.id'],
                                name=op.f('fk_survey_reviews_closed_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_reviews')),
        sa.UniqueConstraint('survey_id', name=op.f('uq_survey_reviews_survey_id')),
    )
    op.create_index('ix_survey_reviews_open', 'survey_reviews', ['status', 'created_at'], unique=False)
    op.create_table(
        'survey_review_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('detail', JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['survey_reviews.id'],
                                name=op.f('fk_survey_review_history_review_id_survey_reviews')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_review_history_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_review_history')),
    )
    op.create_index(op.f('ix_survey_review_history_review_id'), 'survey_review_history', ['review_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_survey_review_history_review_id'), table_name='survey_review_history')
    op.drop_table('survey_review_history')
    op.drop_index('ix_survey_reviews_open', table_name='survey_reviews')
    op.drop_table('survey_reviews')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_campaign_id'))
        batch_op.drop_constraint(op.f('fk_surveys_call_task_id_call_tasks'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_surveys_campaign_id_survey_campaigns'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_surveys_token_digest'), type_='unique')
        batch_op.drop_column('call_task_id')
        batch_op.drop_column('campaign_id')
        batch_op.drop_column('ask_nps')
        batch_op.drop_column('language')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('token_digest')
    op.drop_index(op.f('ix_survey_campaigns_client_id'), table_name='survey_campaigns')
    op.drop_table('survey_campaigns')
