"""Web chat and help articles: chat sessions, their numbered messages, and the help-section articles shown
before a visitor asks for a person.

Revision ID: 0006
Revises: 0005
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'help_articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('keywords', sa.Text(), nullable=False),
        sa.Column('public', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_articles')),
    )
    op.create_index(op.f('ix_help_articles_language'), 'help_articles', ['language'])
    op.create_table(
        'chat_sessions',
        sa.Column('id', BigId, nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('channel_name', sa.String(length=100), nullable=False),
        sa.Column('interaction_id', BigId, nullable=True),
        sa.Column('customer_name', sa.String(length=200), nullable=False),
        sa.Column('customer_email', sa.String(length=254), nullable=False),
        sa.Column('customer_phone', sa.String(length=40), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('deflected_by_article_id', sa.Integer(), nullable=True),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.Column('customer_typing_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('agent_typing_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['deflected_by_article_id'], ['help_articles.id'],
                                name=op.f('fk_chat_sessions_deflected_by_article_id_help_articles')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_chat_sessions_interaction_id_interactions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_sessions')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_chat_sessions_token_digest')),
    )
    op.create_index(op.f('ix_chat_sessions_interaction_id'), 'chat_sessions', ['interaction_id'])
    op.create_table(
        'chat_messages',
        sa.Column('id', BigId, nullable=False),
        sa.Column('session_id', BigId, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('client_msg_id', sa.String(length=100), nullable=True),
        sa.Column('sender', sa.String(length=10), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('attachment_id', BigId, nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_chat_messages_agent_id_agents')),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'],
                                name=op.f('fk_chat_messages_attachment_id_attachments')),
        sa.ForeignKeyConstraint(['session_id'], ['chat_sessions.id'],
                                name=op.f('fk_chat_messages_session_id_chat_sessions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
        sa.UniqueConstraint('session_id', 'seq', name=op.f('uq_chat_messages_session_id')),
        sa.UniqueConstraint('session_id', 'client_msg_id', name=op.f('uq_chat_messages_client_msg_id')),
    )


def downgrade() -> None:
    for table in ('chat_messages', 'chat_sessions', 'help_articles'):
        op.drop_table(table)
