"""Review-conference reports: deck figures from the rollups, frozen snapshots, slides.

``figures`` computes the payload for a scope and period, ``snapshots`` freezes and
compares payloads, ``deck`` turns a payload into slides and ``service`` ties them to the
exporters in :mod:`thuocdo.export`. Nothing here imports Streamlit.
"""
