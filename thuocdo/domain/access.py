"""Roles, what each may open, and the unit scope that every query receives."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ROLES = ("leader", "inspector", "unit_head", "presenter", "admin")

# Which roles may open which page (page keys are the URL paths; "" is the overview).
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "overview": ROLES,
    "unit": ROLES,
    "satisfaction": ROLES,
    "warnings": ("leader", "inspector", "unit_head", "admin"),
    "official": ("leader", "inspector", "unit_head", "presenter", "admin"),
    "grades": ROLES,
    "present": ("leader", "inspector", "presenter", "admin"),
    "import": ("admin",),
    "admin": ("admin",),
}

# Who may change a warning's status (a unit head reads its subtree's warnings only).
WARNING_ACTORS = ("leader", "inspector", "admin")


@dataclass(frozen=True)
class Scope:
    """What rows a user may see: a unit subtree (by materialised path), and whether
    individuals must be pseudonymised. Hashable: it is part of every cache key.
    Leaders, inspectors and admins of the whole city share one scope (and one cache).
    """

    unit_path: str = "/"
    pseudonymise: bool = False

    @property
    def path_like(self) -> str:
        """The bound value for ``units.path LIKE :scope_path``."""
        return self.unit_path + "%"

    def contains_path(self, path: str | None) -> bool:
        return bool(path) and path.startswith(self.unit_path)


CITY = Scope("/", False)


@dataclass(frozen=True)
class User:
    """A signed-in person: identity, role and scope root (unit code, None = city)."""

    email: str
    name: str
    role: str | None
    unit_code: str | None = None
    unit_path: str = "/"
    demo: bool = False

    @property
    def scope(self) -> Scope:
        return Scope(self.unit_path or "/", self.role == "presenter")

    def may_open(self, page: str) -> bool:
        return self.role in PAGE_ROLES.get(page, ())

    @property
    def may_act_on_warnings(self) -> bool:
        return self.role in WARNING_ACTORS


def pseudonym(official_code: str, salt: str = "thuocdo") -> str:
    """A stable pseudonym for an official, e.g. 'CB-3F2A9C' (no name, no code)."""
    digest = hashlib.sha256(f"{salt}:{official_code}".encode()).hexdigest()[:6].upper()
    return f"CB-{digest}"
