"""Persistence: Piccolo tables (one per module under `tables/`), engine selection and migrations."""
