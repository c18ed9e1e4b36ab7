"""Exports: CSV, Excel, slides and documents built from query results."""
