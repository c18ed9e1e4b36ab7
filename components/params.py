"""Reading identifiers from URL parameters without trusting them."""

from __future__ import annotations

MAX_ID = 2**63 - 1


def int_id(value: str | None) -> int | None:
    """A positive database id from a URL value, or None ('²', '1e9', 20 digits → None)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    n = int(value)
    return n if 0 < n <= MAX_ID else None
