"""Thước Đo core: domain rules, storage, import, demo data and the command line.

Nothing in this package imports Streamlit.
"""

__version__ = "0.1.0"
