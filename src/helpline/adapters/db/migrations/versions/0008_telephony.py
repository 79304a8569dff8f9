"""Telephony and app intake: queue_log tail positions, outbound call tasks, app and web-form requests.

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'queue_log_positions',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('device', sa.BigInteger(), nullable=False),
        sa.Column('inode', sa.BigInteger(), nullable=False),
        sa.Column('offset', sa.BigInteger(), nullable=False),
        sa.Column('lines_seen', sa.BigInteger(), nullable=False),
        sa.Column('parse_errors', sa.BigInteger(), nullable=False),
        sa.Column('last_line_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_queue_log_positions')),
    )
    op.create_table(
        'call_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('skill_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('assigned_agent_id', sa.Integer(), nullable=True),
        sa.Column('taken_by_agent_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('last_result', sa.String(length=20), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('interaction_id', BigId, nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_call_tasks_client_id_clients')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_call_tasks_site_id_sites')),
        sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_call_tasks_skill_id_skills')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_call_tasks_customer_id_customers')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_call_tasks_case_id_cases')),
        sa.ForeignKeyConstraint(['assigned_agent_id'], ['agents.id'],
                                name=op.f('fk_call_tasks_assigned_agent_id_agents')),
        sa.ForeignKeyConstraint(['taken_by_agent_id'], ['agents.id'],
                                name=op.f('fk_call_tasks_taken_by_agent_id_agents')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_call_tasks_created_by_user_id_users')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_call_tasks_interaction_id_interactions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_tasks')),
    )
    op.create_index('ix_call_tasks_due', 'call_tasks', ['status', 'due_at'])
    op.create_index('ix_call_tasks_agent', 'call_tasks', ['assigned_agent_id', 'status'])
    op.create_index(op.f('ix_call_tasks_case_id'), 'call_tasks', ['case_id'])
    op.create_table(
        'app_requests',
        sa.Column('id', BigId, nullable=False),
        sa.Column('reference', sa.String(length=20), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('idempotency_key', sa.String(length=250), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('token_hashes', JSONDocument, nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('inbound_message_id', BigId, nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'],
                                name=op.f('fk_app_requests_inbound_message_id_inbound_messages')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_app_requests_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_app_requests')),
        sa.UniqueConstraint('reference', name=op.f('uq_app_requests_reference')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_app_requests_idempotency_key')),
        sa.UniqueConstraint('inbound_message_id', name=op.f('uq_app_requests_inbound_message_id')),
    )


def downgrade() -> None:
    for table in ('app_requests', 'call_tasks', 'queue_log_positions'):
        op.drop_table(table)
