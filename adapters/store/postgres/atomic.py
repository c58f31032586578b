"""Atomic read-modify-write of one row: lock it, run the caller's change, write the result, in one transaction.

`SELECT ... FOR UPDATE` makes concurrent changes of an existing row queue up, each seeing the one
before. A row that does not exist yet cannot be locked: if two instances create it at once, the
second insert meets the unique key, its transaction rolls back, and it starts again and finds the
row. So `change` may run more than once, but only one run's result is ever written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from psycopg import errors

from adapters.store.postgres.connection import Database, Transaction
from bot.errors import StoreError
from bot.models import Document

D = TypeVar("D", bound=Document)
INSERT_RACE_RETRIES = 5


class Row(Protocol[D]):
    """One record's SQL in one table."""

    async def lock(self, tx: Transaction) -> D | None:
        """The current record, locked until the transaction ends; None if it does not exist."""

    async def write(self, tx: Transaction, before: D | None, after: D | None) -> None:
        """Store `after` (None removes the record) in place of `before`."""


async def read_modify_write(
    db: Database, scope: str, row: Row[D], change: Callable[[D | None], D | None]
) -> tuple[D | None, D | None]:
    """The record before and after `change`; an unchanged result writes nothing."""
    for _attempt in range(INSERT_RACE_RETRIES):
        try:
            async with db.transaction(scope) as tx:
                before = await row.lock(tx)
                after = change(before)
                if after != before:
                    await row.write(tx, before, after)
                return before, after
        except errors.UniqueViolation:
            continue
    raise StoreError("the database kept refusing a change; please try again")
