"""training: training and certification: courses, exams, questions, attempts, retraining.

Courses and exams per skill (questions as JSON), the agents' exam attempts, the retraining requirements, and
on certifications who suspended one, when and why.

Revision ID: 0016
Revises: 0015
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import helpline.adapters.db.types

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
UTC = helpline.adapters.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('suspended_by_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('suspended_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_certifications_suspended_by_user_id_users'), 'users',
                                    ['suspended_by_user_id'], ['id'])
    op.create_table(
        'training_courses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('material', sa.Text(), nullable=False),
        sa.Column('links', JSONDocument, nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_training_courses_skill_id_skills')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_training_courses_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses')),
    )
    op.create_index('ix_training_courses_skill_id', 'training_courses', ['skill_id'], unique=False)
    op.create_table(
        'training_exams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('pass_mark', sa.Integer(), nullable=False),
        sa.Column('validity_months', sa.Integer(), nullable=False),
        sa.Column('time_limit_min', sa.Integer(), nullable=True),
        sa.Column('retake_delay_h', sa.Integer(), nullable=False),
        sa.Column('questions', JSONDocument, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('pass_mark BETWEEN 1 AND 100', name=op.f('ck_training_exams_pass_mark')),
        sa.CheckConstraint('validity_months BETWEEN 1 AND 120', name=op.f('ck_training_exams_validity_months')),
        sa.CheckConstraint('time_limit_min IS NULL OR time_limit_min BETWEEN 1 AND 600',
                           name=op.f('ck_training_exams_time_limit_min')),
        sa.CheckConstraint('retake_delay_h BETWEEN 0 AND 720', name=op.f('ck_training_exams_retake_delay_h')),
        sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_training_exams_skill_id_skills')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_training_exams_created_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_exams')),
    )
    op.create_index('ix_training_exams_skill_id', 'training_exams', ['skill_id'], unique=False)
    op.create_table(
        'training_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exam_id', sa.Integer(), nullable=False),
        sa.Column('exam_version', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('started_at', UTC, nullable=False),
        sa.Column('deadline_at', UTC, nullable=True),
        sa.Column('submitted_at', UTC, nullable=True),
        sa.Column('answers', JSONDocument, nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('passed', sa.Boolean(), nullable=True),
        sa.Column('certification_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name=op.f('ck_training_attempts_score')),
        sa.ForeignKeyConstraint(['exam_id'], ['training_exams.id'],
                                name=op.f('fk_training_attempts_exam_id_training_exams')),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_training_attempts_agent_id_agents'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_training_attempts_skill_id_skills')),
        sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'],
                                name=op.f('fk_training_attempts_certification_id_certifications'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attempts')),
    )
    op.create_index('ix_training_attempts_exam_id', 'training_attempts', ['exam_id'], unique=False)
    op.create_index('ix_training_attempts_agent_id', 'training_attempts', ['agent_id'], unique=False)
    op.create_table(
        'training_retraining',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.Column('certification_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('required_at', UTC, nullable=False),
        sa.Column('required_by_user_id', sa.Integer(), nullable=True),
        sa.Column('cleared_at', UTC, nullable=True),
        sa.Column('cleared_by_attempt_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_training_retraining_agent_id_agents'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_training_retraining_skill_id_skills')),
        sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'],
                                name=op.f('fk_training_retraining_certification_id_certifications'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['required_by_user_id'], ['users.id'],
                                name=op.f('fk_training_retraining_required_by_user_id_users')),
        sa.ForeignKeyConstraint(['cleared_by_attempt_id'], ['training_attempts.id'],
                                name=op.f('fk_training_retraining_cleared_by_attempt_id_training_attempts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_retraining')),
    )
    op.create_index('ix_training_retraining_agent_id', 'training_retraining', ['agent_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_training_retraining_agent_id', table_name='training_retraining')
    op.drop_table('training_retraining')
    op.drop_index('ix_training_attempts_agent_id', table_name='training_attempts')
    op.drop_index('ix_training_attempts_exam_id', table_name='training_attempts')
    op.drop_table('training_attempts')
    op.drop_index('ix_training_exams_skill_id', table_name='training_exams')
    op.drop_table('training_exams')
    op.drop_index('ix_training_courses_skill_id', table_name='training_courses')
    op.drop_table('training_courses')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_certifications_suspended_by_user_id_users'), type_='foreignkey')
        batch_op.drop_column('suspended_reason')
        batch_op.drop_column('suspended_by_user_id')
        batch_op.drop_column('suspended_at')
