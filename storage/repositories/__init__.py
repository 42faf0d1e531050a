"""Repositories: one per table group, each taking a session, never committing."""
