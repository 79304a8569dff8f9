"""complaints: the complaint register: complaints, their handlers, deadlines and outcomes.

The complaints (deadline rule, due date, status, outcome), the history of every change, and on clients the
deadline rule of the client's jurisdiction.

Revision ID: 0013
Revises: 0012
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import helpline.adapters.db.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
UTC = helpline.adapters.db.types.UTCDateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
STATUSES = "'registered','in_progress','answered','closed','rejected'"
OUTCOMES = "'upheld','partly_upheld','not_upheld'"


def upgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_rule', sa.String(length=64), nullable=True))
    op.create_table(
        'complaints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('interaction_id', BigId, nullable=True),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('complainant_name', sa.String(length=200), nullable=False),
        sa.Column('complainant_contact', sa.String(length=254), nullable=False),
        sa.Column('representative', sa.String(length=300), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('facts', sa.Text(), nullable=False),
        sa.Column('remedy_sought', sa.Text(), nullable=False),
        sa.Column('evidence', JSONDocument, nullable=False),
        sa.Column('attachment_ids', JSONDocument, nullable=False),
        sa.Column('subject_agent_id', sa.Integer(), nullable=True),
        sa.Column('handler_user_id', sa.Integer(), nullable=True),
        sa.Column('rule', sa.String(length=64), nullable=False),
        sa.Column('received_at', UTC, nullable=False),
        sa.Column('due_at', UTC, nullable=False),
        sa.Column('maximum_due_at', UTC, nullable=True),
        sa.Column('documents_requested', sa.Boolean(), nullable=False),
        sa.Column('documents_requested_at', UTC, nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('root_cause', sa.String(length=200), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('response', sa.Text(), nullable=False),
        sa.Column('answered_at', UTC, nullable=True),
        sa.Column('closed_at', UTC, nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', UTC, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint(f'status IN ({STATUSES})', name=op.f('ck_complaints_status')),
        sa.CheckConstraint(f'outcome IS NULL OR outcome IN ({OUTCOMES})', name=op.f('ck_complaints_outcome')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_complaints_client_id_clients')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_complaints_site_id_sites')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_complaints_case_id_cases')),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'],
                                name=op.f('fk_complaints_interaction_id_interactions')),
        sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_complaints_queue_id_queues')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
        sa.ForeignKeyConstraint(['subject_agent_id'], ['agents.id'],
                                name=op.f('fk_complaints_subject_agent_id_agents')),
        sa.ForeignKeyConstraint(['handler_user_id'], ['users.id'], name=op.f('fk_complaints_handler_user_id_users')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_complaints_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_interaction_id'), ['interaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_subject_agent_id'), ['subject_agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_handler_user_id'), ['handler_user_id'], unique=False)
        batch_op.create_index('ix_complaints_open_due', ['status', 'due_at'], unique=False)
    op.create_table(
        'complaint_history',
        sa.Column('id', BigId, nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('changes', JSONDocument, nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ondelete='CASCADE',
                                name=op.f('fk_complaint_history_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_complaint_history_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_history')),
    )
    with op.batch_alter_table('complaint_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_history_complaint_id'), ['complaint_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_history_complaint_id'))
    op.drop_table('complaint_history')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_open_due')
        batch_op.drop_index(batch_op.f('ix_complaints_handler_user_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_subject_agent_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_case_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_client_id'))
    op.drop_table('complaints')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('complaint_rule')
