"""The declarative base of every table. Types come from advanced-alchemy, so UUIDs and UTC
datetimes behave the same on SQLite and PostgreSQL."""

from advanced_alchemy.base import DefaultBase


class Base(DefaultBase):
    __abstract__ = True
