"""Alembic revisions of the project file's schema, run by Tillit itself when a project opens."""
