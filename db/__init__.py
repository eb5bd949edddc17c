"""Data layer: typed models, services that take an AsyncSession, Alembic migrations."""
