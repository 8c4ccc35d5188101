"""Who is acting: the one value services receive to check roles, scope queries and attribute audit entries."""
from __future__ import annotations

from dataclasses import dataclass

from models.enums import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user as the services see them.

    ``district_ids`` is ``None`` for the whole city (admins always), else the ids of the districts the user may see;
    out of scope looks exactly like not there.
    """

    user_id: int | None
    username: str
    role: Role
    district_ids: frozenset[int] | None
    client: str | None = None

    @property
    def whole_city(self) -> bool:
        return self.district_ids is None

    def sees_district(self, district_id: int) -> bool:
        return self.district_ids is None or district_id in self.district_ids
