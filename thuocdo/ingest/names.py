"""The kinds of import, importable without pandas (the command line lists them)."""

KINDS = ("units", "officials", "evaluations", "ratings", "kpi", "okr")
