"""Catalogue tables."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onevisit.kernel.db import Base, BigId


class Service(Base):
    __tablename__ = "catalog_services"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(256))
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    #: "person", "enterprise" or "both"
    audience: Mapped[str] = mapped_column(String(16))
    life_event: Mapped[str] = mapped_column(String(64), default="")
