"""The data_points table and its per-minute counts.

Four B-trees serve the access paths at millions of rows, and each costs bulk ingestion:
the primary key (time, id) orders and continues every page (no separate id index:
nothing looks a point up by id alone), (time, raw) is the duplicate rule, and two
partial (time, id) indexes, over the valid and over the invalid points, serve filtered
pages. Each point enters exactly one of the partial ones.

A deep `skip` adds up `data_point_minutes` to find the minute of its first row, then
walks one of the (time, id) indexes alone within that minute. PostgreSQL triggers keep
those counts (migration 0006); on SQLite the table stays empty and pages use OFFSET."""

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from sqlalchemy import BigInteger, Boolean, Float, Index, LargeBinary, text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base


class DataPointRow(Base):
    __tablename__ = "data_points"
    __table_args__ = (
        Index("uq_data_points_time_raw", "time", "raw", unique=True),
        Index(
            "ix_data_points_valid_time_id",
            "time",
            "id",
            postgresql_where=text("valid"),
            sqlite_where=text("valid"),
        ),
        Index(
            "ix_data_points_invalid_time_id",
            "time",
            "id",
            postgresql_where=text("NOT valid"),
            sqlite_where=text("NOT valid"),
        ),
    )

    time: Mapped[datetime] = mapped_column(DateTimeUTC, primary_key=True)
    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    raw: Mapped[bytes] = mapped_column(LargeBinary(4))
    valid: Mapped[bool] = mapped_column(Boolean)
    tags: Mapped[list[Any]] = mapped_column(JsonB)


class DataPointMinuteRow(Base):
    """How many valid and invalid points the minute [minute * 60, minute * 60 + 60) Unix
    seconds holds."""

    __tablename__ = "data_point_minutes"

    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    valid_points: Mapped[int] = mapped_column(BigInteger)
    invalid_points: Mapped[int] = mapped_column(BigInteger)
