"""Helpers and fixtures of the importer tests (files are built in code where possible)."""
