"""The table of templates: one row each, its parts and locale variants as one JSON value
(they are always read and written together)."""

from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base

# Keys sort by code point on both databases, as pages by key need ("C", not the
# server's locale, on PostgreSQL; SQLite compares bytes).
KEY_TYPE = String(100).with_variant(String(100, collation="C"), "postgresql")


class TemplateRow(Base):
    __tablename__ = "templates"

    key: Mapped[str] = mapped_column(KEY_TYPE, primary_key=True)
    description: Mapped[str] = mapped_column(String(500))
    variables: Mapped[list[str]] = mapped_column(JsonB)
    # {"default": variant, "locales": {locale: variant}}; a variant is
    # {"sms": {"text"} | null, "email": {"subject", "text", "html"} | null}
    content: Mapped[dict[str, Any]] = mapped_column(JsonB)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)
