"""Routing configuration per queue, and a wake-up call for the router when events are recorded.

Revision ID: 0002
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('queues') as batch:
        batch.add_column(sa.Column('agent_choice', sa.String(length=20), nullable=False,
                                   server_default='best_proficiency'))
        batch.add_column(sa.Column('expansion', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                                   nullable=False, server_default='[]'))
    if op.get_bind().dialect.name == "postgresql":
        # One notification per committing statement (not per row), delivered at commit: the routing process
        # listens and reads the new events at once instead of waiting for its next poll.
        op.execute("""
            CREATE FUNCTION helpline_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('helpline_events', ''); RETURN NULL; END $$""")
        op.execute("""
            CREATE TRIGGER events_notify AFTER INSERT ON events
            FOR EACH STATEMENT EXECUTE FUNCTION helpline_events_notify()""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_notify ON events")
        op.execute("DROP FUNCTION IF EXISTS helpline_events_notify()")
    with op.batch_alter_table('queues') as batch:
        batch.drop_column('expansion')
        batch.drop_column('agent_choice')
