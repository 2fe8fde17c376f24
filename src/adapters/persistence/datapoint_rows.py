"""The data_points table. Indexes serve the three access paths at millions of rows:
pages ordered by (time, id) for admins, the same restricted to valid points for users
(and admins filtering on `valid`), and the duplicate check on (time, raw bytes)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from sqlalchemy import Boolean, Float, Index, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from adapters.persistence.models import Base


class DataPointRow(Base):
    __tablename__ = "data_points"
    __table_args__ = (
        Index("uq_data_points_time_raw", "time", "raw", unique=True),
        Index("ix_data_points_time_id", "time", "id"),
        Index("ix_data_points_valid_time_id", "valid", "time", "id"),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTimeUTC)
    value: Mapped[float] = mapped_column(Float)
    raw: Mapped[bytes] = mapped_column(LargeBinary(4))
    valid: Mapped[bool] = mapped_column(Boolean)
    tags: Mapped[list[Any]] = mapped_column(JsonB)
