"""Channels: inbound messages stored before processing, attachments, the outbox, consents, channel health,
channel configuration.

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'inbound_messages',
        sa.Column('id', BigId, nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('source', sa.String(length=100), nullable=False),
        sa.Column('external_id', sa.String(length=300), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.Column('meta', JSONDocument, nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('flags', JSONDocument, nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('interaction_id', BigId, nullable=True),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_inbound_messages_interaction_id_interactions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
        sa.UniqueConstraint('source', 'external_id', name=op.f('uq_inbound_messages_source')),
    )
    op.create_index('ix_inbound_messages_due', 'inbound_messages', ['status', 'next_attempt_at'])
    op.create_index(op.f('ix_inbound_messages_interaction_id'), 'inbound_messages', ['interaction_id'])
    op.create_table(
        'attachments',
        sa.Column('id', BigId, nullable=False),
        sa.Column('inbound_message_id', BigId, nullable=True),
        sa.Column('interaction_id', BigId, nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases')),
        sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'],
                                name=op.f('fk_attachments_inbound_message_id_inbound_messages')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_attachments_interaction_id_interactions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    )
    for column in ('case_id', 'inbound_message_id', 'interaction_id'):
        op.create_index(op.f(f'ix_attachments_{column}'), 'attachments', [column])
    op.create_table(
        'outbound_messages',
        sa.Column('id', BigId, nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('purpose', sa.String(length=12), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('interaction_id', BigId, nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('template', sa.String(length=60), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('idempotency_key', sa.String(length=200), nullable=True),
        sa.Column('headers', JSONDocument, nullable=False),
        sa.Column('message_id', sa.String(length=300), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('provider', sa.String(length=100), nullable=True),
        sa.Column('provider_message_id', sa.String(length=200), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outbound_messages_case_id_cases')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_outbound_messages_client_id_clients')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_outbound_messages_customer_id_customers')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_outbound_messages_interaction_id_interactions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_messages')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbound_messages_idempotency_key')),
    )
    op.create_index('ix_outbound_messages_due', 'outbound_messages', ['status', 'next_attempt_at'])
    op.create_index('ix_outbound_messages_provider', 'outbound_messages', ['provider', 'provider_message_id'])
    for column in ('case_id', 'customer_id', 'message_id'):
        op.create_index(op.f(f'ix_outbound_messages_{column}'), 'outbound_messages', [column])
    op.create_table(
        'channel_consents',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('purpose', sa.String(length=12), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_channel_consents_customer_id_customers')),
        sa.PrimaryKeyConstraint('customer_id', 'channel', 'purpose', name=op.f('pk_channel_consents')),
    )
    op.create_table(
        'channel_health',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failing', sa.Boolean(), nullable=False),
        sa.Column('detail', JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_channel_health')),
    )
    op.create_table(
        'channel_configs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('settings', JSONDocument, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_channel_configs_queue_id_queues')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_configs')),
        sa.UniqueConstraint('name', name=op.f('uq_channel_configs_name')),
    )


def downgrade() -> None:
    for table in ('channel_configs', 'channel_health', 'channel_consents', 'outbound_messages', 'attachments', 'inbound_messages'):
        op.drop_table(table)
