"""case_types: insurance case types: provider network, guarantee letters, costs, reviews.

The provider network (clinics, tow services, assistance partners by country and city), the doctors' decisions
and reviews on cases, and the cost log of assistance cases.

Revision ID: 0018
Revises: 0017
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import helpline.adapters.db.types

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
UTC = helpline.adapters.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'providers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('city', sa.String(length=100), nullable=False),
        sa.Column('city_key', sa.String(length=300), nullable=False),
        sa.Column('search_key', sa.Text(), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('phones', JSONDocument, nullable=False),
        sa.Column('services', JSONDocument, nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.CheckConstraint("kind IN ('clinic','tow','assistance')", name=op.f('ck_providers_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    )
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.create_index('ix_providers_place', ['country', 'city_key'], unique=False)
    op.create_table(
        'case_medical_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('outcome', sa.String(length=30), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', UTC, nullable=False),
        sa.CheckConstraint("kind IN ('decision','review')", name=op.f('ck_case_medical_records_kind')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE',
                                name=op.f('fk_case_medical_records_case_id_cases')),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_case_medical_records_agent_id_agents')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_medical_records_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_medical_records')),
    )
    with op.batch_alter_table('case_medical_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_medical_records_case_id'), ['case_id'], unique=False)
    op.create_table(
        'case_costs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('incurred_on', sa.Date(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.String(length=300), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_case_costs_amount')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE',
                                name=op.f('fk_case_costs_case_id_cases')),
        sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_case_costs_provider_id_providers')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_case_costs_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_costs')),
    )
    with op.batch_alter_table('case_costs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_costs_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_costs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_costs_case_id'))
    op.drop_table('case_costs')
    with op.batch_alter_table('case_medical_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_medical_records_case_id'))
    op.drop_table('case_medical_records')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index('ix_providers_place')
    op.drop_table('providers')
