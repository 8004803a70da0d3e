"""Alembic migrations (Flask-Migrate), installed as ``lienrx.migrations``.

A package so the application finds this directory the same way whether ``lienrx`` is installed
or run from a checkout (see ``lienrx.migrations_dir``).
"""
