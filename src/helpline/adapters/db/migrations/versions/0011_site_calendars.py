"""Sites carry their own business hours (sites.business_hours, the shape of queues' opening hours; empty:
24/7) and dates an administrator adds to their country's calendar (site_calendar_days: a `day_off` or a
transferred `working_day`). Existing sites get Monday to Friday 09:00–18:00, the hours business time was
counted in until now.

Revision ID: 0011
Revises: 0010
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
OFFICE_HOURS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def upgrade() -> None:
    with op.batch_alter_table('sites') as batch:
        batch.add_column(sa.Column('business_hours', JSONDocument, nullable=True))
    sites = sa.table('sites', sa.column('business_hours', JSONDocument))
    op.execute(sites.update().values(business_hours=OFFICE_HOURS))
    with op.batch_alter_table('sites') as batch:
        batch.alter_column('business_hours', existing_type=JSONDocument, nullable=False)
    op.create_table(
        'site_calendar_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('day_off','working_day')", name=op.f('ck_site_calendar_days_kind')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_calendar_days_site_id_sites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_calendar_days')),
        sa.UniqueConstraint('site_id', 'date', name=op.f('uq_site_calendar_days_site_id')),
    )


def downgrade() -> None:
    op.drop_table('site_calendar_days')
    with op.batch_alter_table('sites') as batch:
        batch.drop_column('business_hours')
