"""The SQLite store's own tests: what its file holds, row by row (tests/database.py),
which only this store can promise; what every store promises is in ../contract/."""

from tests.engine.conftest import app, clock, db_path, user

__all__ = ["app", "clock", "db_path", "user"]
