"""planning_runs: the forecasts, staffing plans with schedules and what-if simulations run from the planning
pages (issue 7), each with its parameters and result as JSON.

Revision ID: 0012
Revises: 0011
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import helpline.adapters.db.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'planning_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('scope', sa.String(length=200), nullable=False),
        sa.Column('parameters', JSONDocument, nullable=False),
        sa.Column('result', JSONDocument, nullable=False),
        sa.Column('created_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('forecast','schedule','simulation')", name=op.f('ck_planning_runs_kind')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_planning_runs_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_runs')),
    )
    op.create_index('ix_planning_runs_lookup', 'planning_runs', ['kind', 'scope', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_planning_runs_lookup', table_name='planning_runs')
    op.drop_table('planning_runs')
