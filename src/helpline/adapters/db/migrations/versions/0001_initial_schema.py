"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 06:26:09.831404
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import helpline.adapters.db.types

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients')),
    sa.UniqueConstraint('code', name=op.f('uq_clients_code'))
    )
    op.create_table('not_ready_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_not_ready_reasons')),
    sa.UniqueConstraint('code', name=op.f('uq_not_ready_reasons_code'))
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('holiday_country', sa.String(length=2), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('name', name=op.f('uq_sites_name'))
    )
    op.create_table('skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('requires_certification', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('code', name=op.f('uq_skills_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin','supervisor','agent','qa','integration')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('wrap_up_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wrap_up_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_wrap_up_codes_code'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('external_ref', sa.String(length=80), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('vip_tier', sa.Integer(), nullable=False),
    sa.Column('created_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_customers_client_id_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_customers_external_ref'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_client_id'), ['client_id'], unique=False)

    op.create_table('queues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('product_line', sa.String(length=20), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('sl_threshold_s', sa.Integer(), nullable=False),
    sa.Column('sl_target', sa.Double(), nullable=False),
    sa.Column('business_hours', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('sl_target > 0 AND sl_target <= 1', name=op.f('ck_queues_sl_target')),
    sa.CheckConstraint('sl_threshold_s > 0', name=op.f('ck_queues_sl_threshold')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_queues_client_id_clients')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_queues_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queues')),
    sa.UniqueConstraint('code', name=op.f('uq_queues_code'))
    )
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queues_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queues_site_id'), ['site_id'], unique=False)

    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_teams_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('site_id', 'name', name=op.f('uq_teams_site_id'))
    )
    op.create_table('user_sites',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_user_sites_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'site_id', name=op.f('pk_user_sites'))
    )
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('employee_no', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('presence', sa.String(length=20), nullable=False),
    sa.Column('presence_reason', sa.String(length=60), nullable=True),
    sa.Column('presence_since', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("presence IN ('logged_out','ready','not_ready')", name=op.f('ck_agents_presence')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_agents_site_id_sites')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_agents_team_id_teams')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agents_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('employee_no', name=op.f('uq_agents_employee_no')),
    sa.UniqueConstraint('user_id', name=op.f('uq_agents_user_id'))
    )
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agents_site_id'), ['site_id'], unique=False)

    op.create_table('customer_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_emails_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_emails'))
    )
    with op.batch_alter_table('customer_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_emails_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_emails_email'), ['email'], unique=False)

    op.create_table('customer_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_phones_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phones'))
    )
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_phones_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_phones_phone'), ['phone'], unique=False)

    op.create_table('policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('product_line', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('insured_objects', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_policies_client_id_clients')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_policies_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies')),
    sa.UniqueConstraint('client_id', 'number', name=op.f('uq_policies_client_id'))
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policies_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policies_number'), ['number'], unique=False)

    op.create_table('queue_skills',
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('min_proficiency', sa.Integer(), nullable=False),
    sa.CheckConstraint('min_proficiency BETWEEN 1 AND 10', name=op.f('ck_queue_skills_min_proficiency')),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_queue_skills_queue_id_queues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_queue_skills_skill_id_skills')),
    sa.PrimaryKeyConstraint('queue_id', 'skill_id', name=op.f('pk_queue_skills'))
    )
    op.create_table('agent_capacities',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity BETWEEN 0 AND 50', name=op.f('ck_agent_capacities_capacity')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_capacities_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', 'channel', name=op.f('pk_agent_capacities'))
    )
    op.create_table('agent_skills',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('proficiency', sa.Integer(), nullable=False),
    sa.CheckConstraint('proficiency BETWEEN 1 AND 10', name=op.f('ck_agent_skills_proficiency')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_skills_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_agent_skills_skill_id_skills')),
    sa.PrimaryKeyConstraint('agent_id', 'skill_id', name=op.f('pk_agent_skills'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('assigned_agent_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('product_line', sa.String(length=20), nullable=True),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_agent_id'], ['agents.id'], name=op.f('fk_cases_assigned_agent_id_agents')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_cases_client_id_clients')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_cases_customer_id_customers')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_cases_policy_id_policies')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_cases_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_assigned_agent_id'), ['assigned_agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_cases_customer_open', ['customer_id', 'status', 'topic'], unique=False)

    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('passed_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_certifications_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_certifications_skill_id_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_agent_id'), ['agent_id'], unique=False)

    op.create_table('interactions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('from_address', sa.String(length=254), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=True),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('exit_reason', sa.String(length=20), nullable=True),
    sa.Column('wrap_up_code', sa.String(length=60), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_interactions_agent_id_agents')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_interactions_case_id_cases')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_interactions_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_interactions_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_interactions_customer_id_customers')),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_interactions_queue_id_queues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_interactions_idempotency_key'))
    )
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_agent_state', ['agent_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_created_by_user_id'), ['created_by_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_external_id'), ['external_id'], unique=False)
        batch_op.create_index('ix_interactions_queue_waiting', ['queue_id', 'state', 'queued_at'], unique=False)

    op.create_table('events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('occurred_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_events_agent_id_agents')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_events_case_id_cases')),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_events_interaction_id_interactions')),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_events_queue_id_queues')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_agent', ['agent_id', 'seq'], unique=False)
        batch_op.create_index('ix_events_interaction', ['interaction_id', 'seq'], unique=False)
        batch_op.create_index('ix_events_occurred', ['occurred_at'], unique=False)

    op.create_table('quality_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('evaluator_user_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('critical_error', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_quality_evaluations_score')),
    sa.ForeignKeyConstraint(['evaluator_user_id'], ['users.id'], name=op.f('fk_quality_evaluations_evaluator_user_id_users')),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_quality_evaluations_interaction_id_interactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_evaluations'))
    )
    with op.batch_alter_table('quality_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_evaluations_interaction_id'), ['interaction_id'], unique=False)

    _make_event_log_append_only()


def downgrade() -> None:
    _drop_event_log_triggers()
    with op.batch_alter_table('quality_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_evaluations_interaction_id'))

    op.drop_table('quality_evaluations')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_occurred')
        batch_op.drop_index('ix_events_interaction')
        batch_op.drop_index('ix_events_agent')

    op.drop_table('events')
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_queue_waiting')
        batch_op.drop_index(batch_op.f('ix_interactions_external_id'))
        batch_op.drop_index(batch_op.f('ix_interactions_customer_id'))
        batch_op.drop_index(batch_op.f('ix_interactions_created_by_user_id'))
        batch_op.drop_index(batch_op.f('ix_interactions_case_id'))
        batch_op.drop_index('ix_interactions_agent_state')

    op.drop_table('interactions')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_agent_id'))

    op.drop_table('certifications')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_customer_open')
        batch_op.drop_index(batch_op.f('ix_cases_client_id'))
        batch_op.drop_index(batch_op.f('ix_cases_assigned_agent_id'))

    op.drop_table('cases')
    op.drop_table('agent_skills')
    op.drop_table('agent_capacities')
    op.drop_table('queue_skills')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_number'))
        batch_op.drop_index(batch_op.f('ix_policies_customer_id'))

    op.drop_table('policies')
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phones_phone'))
        batch_op.drop_index(batch_op.f('ix_customer_phones_customer_id'))

    op.drop_table('customer_phones')
    with op.batch_alter_table('customer_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_emails_email'))
        batch_op.drop_index(batch_op.f('ix_customer_emails_customer_id'))

    op.drop_table('customer_emails')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agents_site_id'))

    op.drop_table('agents')
    op.drop_table('user_sites')
    op.drop_table('teams')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queues_site_id'))
        batch_op.drop_index(batch_op.f('ix_queues_client_id'))

    op.drop_table('queues')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_client_id'))

    op.drop_table('customers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))

    op.drop_table('audit_log')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('wrap_up_codes')
    op.drop_table('users')
    op.drop_table('skills')
    op.drop_table('sites')
    op.drop_table('not_ready_reasons')
    op.drop_table('clients')


def _make_event_log_append_only() -> None:
    """The event log is the record every KPI stands on: the database itself refuses to rewrite it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION helpline_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$""")
        op.execute("""
            CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION helpline_events_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events
                BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""")


def _drop_event_log_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS helpline_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
