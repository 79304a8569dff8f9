"""The relational store: SQLAlchemy models, engine set-up, Alembic migrations."""
