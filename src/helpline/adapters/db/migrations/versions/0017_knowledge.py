"""knowledge: the help section: articles, versions, categories, search, feedback.

help_articles gains a category, a status (draft / published / archived), the number of its shown version and
a review date; every saved version is kept in help_article_versions; knowledge_terms is the search index
(terms normalised in Python, adapters/search/terms.py), filled here for the articles already stored.

Revision ID: 0017
Revises: 0016
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import helpline.adapters.db.types
from helpline.adapters.search.terms import weighted_terms

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'knowledge_categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['parent_id'], ['knowledge_categories.id'],
                                name=op.f('fk_knowledge_categories_parent_id_knowledge_categories')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_categories')),
        sa.UniqueConstraint('name', name=op.f('uq_knowledge_categories_name')),
    )
    with op.batch_alter_table('help_articles') as batch:
        batch.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='published'))
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch.add_column(sa.Column('review_due', sa.Date(), nullable=True))
        batch.create_foreign_key(op.f('fk_help_articles_category_id_knowledge_categories'),
                                 'knowledge_categories', ['category_id'], ['id'])
        batch.create_index(op.f('ix_help_articles_category_id'), ['category_id'])
    op.create_table(
        'help_article_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('keywords', sa.Text(), nullable=False),
        sa.Column('public', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('saved_at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('saved_by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['article_id'], ['help_articles.id'],
                                name=op.f('fk_help_article_versions_article_id_help_articles')),
        sa.ForeignKeyConstraint(['category_id'], ['knowledge_categories.id'],
                                name=op.f('fk_help_article_versions_category_id_knowledge_categories')),
        sa.ForeignKeyConstraint(['saved_by_user_id'], ['users.id'],
                                name=op.f('fk_help_article_versions_saved_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_article_versions')),
        sa.UniqueConstraint('article_id', 'version', name='uq_help_article_versions_article_version'),
    )
    op.create_index(op.f('ix_help_article_versions_article_id'), 'help_article_versions', ['article_id'])
    op.create_table(
        'knowledge_terms',
        sa.Column('term', sa.String(length=64), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['help_articles.id'],
                                name=op.f('fk_knowledge_terms_article_id_help_articles')),
        sa.PrimaryKeyConstraint('term', 'article_id', name=op.f('pk_knowledge_terms')),
    )
    op.create_index(op.f('ix_knowledge_terms_article_id'), 'knowledge_terms', ['article_id'])
    op.create_table(
        'help_article_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('at', helpline.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("source IN ('help','widget','desk')", name=op.f('ck_help_article_feedback_source')),
        sa.ForeignKeyConstraint(['article_id'], ['help_articles.id'],
                                name=op.f('fk_help_article_feedback_article_id_help_articles')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_help_article_feedback_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_help_article_feedback')),
    )
    op.create_index(op.f('ix_help_article_feedback_article_id'), 'help_article_feedback', ['article_id'])
    op.create_index(op.f('ix_help_article_feedback_at'), 'help_article_feedback', ['at'])
    _index_existing_articles()


def _index_existing_articles() -> None:
    """Version 1 and the search terms of every article stored before this revision."""
    op.execute("INSERT INTO help_article_versions (article_id, version, language, title, body, keywords, public, "
               "status, saved_at) SELECT id, 1, language, title, body, keywords, public, 'published', updated_at "
               "FROM help_articles")
    rows = op.get_bind().execute(sa.text('SELECT id, title, keywords, body FROM help_articles'))
    index = [{'term': term, 'article_id': row.id, 'weight': weight}
             for row in rows for term, weight in weighted_terms(row.title, row.keywords, row.body).items()]
    if index:
        op.bulk_insert(sa.table('knowledge_terms', sa.column('term'), sa.column('article_id'), sa.column('weight')),
                       index)


def downgrade() -> None:
    op.drop_index(op.f('ix_help_article_feedback_at'), table_name='help_article_feedback')
    op.drop_index(op.f('ix_help_article_feedback_article_id'), table_name='help_article_feedback')
    op.drop_table('help_article_feedback')
    op.drop_index(op.f('ix_knowledge_terms_article_id'), table_name='knowledge_terms')
    op.drop_table('knowledge_terms')
    op.drop_index(op.f('ix_help_article_versions_article_id'), table_name='help_article_versions')
    op.drop_table('help_article_versions')
    with op.batch_alter_table('help_articles') as batch:
        batch.drop_index(op.f('ix_help_articles_category_id'))
        batch.drop_constraint(op.f('fk_help_articles_category_id_knowledge_categories'), type_='foreignkey')
        batch.drop_column('review_due')
        batch.drop_column('version')
        batch.drop_column('status')
        batch.drop_column('category_id')
    op.drop_table('knowledge_categories')
