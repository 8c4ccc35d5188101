"""Password hashing with Argon2id (pwdlib); the parameters come from settings and travel inside each hash."""
from __future__ import annotations

from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from traffic.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class PasswordCheck:
    """The verdict on a password; ``new_hash`` is set when the stored hash used other parameters than today's."""

    valid: bool
    new_hash: str | None = None


class Passwords:
    """Hashes and verifies passwords with the configured Argon2 cost."""

    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hash = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))
        # Verified when a user name is unknown, so that a wrong name costs as long as a wrong password.
        self._dummy = self._hash.hash("not a password of anyone")

    @classmethod
    def from_settings(cls, settings) -> Passwords:
        return cls(settings.password_time_cost, settings.password_memory_kib)

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def check(self, password: str, stored_hash: str | None) -> PasswordCheck:
        """Verify ``password``; on success also say whether to store a rehash with the current parameters."""
        if stored_hash is None:
            self._hash.verify(password, self._dummy)
            return PasswordCheck(False)
        valid, new_hash = self._hash.verify_and_update(password, stored_hash)
        return PasswordCheck(valid, new_hash)


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing; the message never repeats the password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
