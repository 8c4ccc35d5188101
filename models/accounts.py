"""Accounts: users with a role and a district scope, their API tokens, and login attempts (for throttling)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, Enum, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enums import Role
from models.geography import District
from models.types import AwareDateTime

user_districts = Table(
    "user_districts",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="RESTRICT"), primary_key=True),
)


class User(Base):
    """A person who signs in. No districts: the whole city (admins always are)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    # Argon2 PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash): the parameters travel with the hash.
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)
    # The language the pages speak to this user ("zh" or "en"), chosen with the language switch.
    language: Mapped[str] = mapped_column(String(8), default="zh", server_default="zh")

    districts: Mapped[list[District]] = relationship(secondary=user_districts, lazy="raise")


class ApiToken(Base):
    """An opaque bearer token, stored as its SHA-256 (a 256-bit random value needs no slow hash)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)


class LoginAttempt(Base):
    """One sign-in attempt; recent failures per user name and per client address throttle further attempts."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    # The name as typed (it may name no user); never the password.
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64), default=None)
    succeeded: Mapped[bool] = mapped_column(Boolean)
