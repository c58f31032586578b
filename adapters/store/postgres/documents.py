"""JSONB documents: every team's documents, and records without a table of their own.

A team document's key is (tenant, team, kind, id); `find` narrows with JSONB containment
(`doc @> ...`, served by the GIN index) and then applies the shared matcher, so a match means
exactly what it means in every other store (containment alone would also match a sub-object).
Rows are listed in the order they were first written, as the other stores list them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from psycopg.types.json import Jsonb

from adapters.store.documents import Raw, from_raw, jsonable, matcher, to_raw
from adapters.store.postgres.connection import Transaction
from bot.models import Document

D = TypeVar("D", bound=Document)


class DocumentRow:
    """One team document in `documents`."""

    def __init__(self, tenant: str, team_id: str, kind: type[D], doc_id: str) -> None:
        self._key = (tenant, team_id, kind.table, doc_id)
        self._kind = kind

    async def lock(self, tx: Transaction) -> Any:
        cursor = await tx.execute(
            "SELECT doc FROM documents WHERE tenant = %s AND team_id = %s AND kind = %s AND doc_id = %s FOR UPDATE",
            self._key,
        )
        row = await cursor.fetchone()
        return from_raw(self._kind, row[0] if row else None)

    async def write(self, tx: Transaction, before: Document | None, after: Document | None) -> None:
        if after is None:
            await tx.execute(
                "DELETE FROM documents WHERE tenant = %s AND team_id = %s AND kind = %s AND doc_id = %s", self._key
            )
        elif before is None:
            await tx.execute(
                "INSERT INTO documents (tenant, team_id, kind, doc_id, doc) VALUES (%s, %s, %s, %s, %s)",
                (*self._key, Jsonb(to_raw(after))),
            )
        else:
            await tx.execute(
                "UPDATE documents SET doc = %s, version = version + 1, updated_at = now() "
                "WHERE tenant = %s AND team_id = %s AND kind = %s AND doc_id = %s",
                (Jsonb(to_raw(after)), *self._key),
            )


async def replace_document(tx: Transaction, tenant: str, team_id: str, doc: Document) -> None:
    """Create or replace a whole document in one statement: no read, no lock, one round trip with its transaction.

    An identical document is left alone, so its version and write time say when it last changed.
    """
    await tx.execute(
        "INSERT INTO documents (tenant, team_id, kind, doc_id, doc) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (tenant, team_id, kind, doc_id) DO UPDATE "
        "SET doc = EXCLUDED.doc, version = documents.version + 1, updated_at = now() "
        "WHERE documents.doc IS DISTINCT FROM EXCLUDED.doc",
        (tenant, team_id, type(doc).table, doc.doc_id, Jsonb(to_raw(doc))),
    )


class RecordRow:
    """One record in `records`: a kind kept outside the teams that has no table of its own."""

    def __init__(self, scope: str, kind: type[D], record_id: str) -> None:
        self._key = (scope, kind.table, record_id)
        self._kind = kind

    async def lock(self, tx: Transaction) -> Any:
        cursor = await tx.execute(
            "SELECT doc FROM records WHERE tenant = %s AND kind = %s AND record_id = %s FOR UPDATE", self._key
        )
        row = await cursor.fetchone()
        return from_raw(self._kind, row[0] if row else None)

    async def write(self, tx: Transaction, before: Document | None, after: Document | None) -> None:
        if after is None:
            await tx.execute("DELETE FROM records WHERE tenant = %s AND kind = %s AND record_id = %s", self._key)
        elif before is None:
            await tx.execute(
                "INSERT INTO records (tenant, kind, record_id, doc) VALUES (%s, %s, %s, %s)",
                (*self._key, Jsonb(to_raw(after))),
            )
        else:
            await tx.execute(
                "UPDATE records SET doc = %s, version = version + 1 WHERE tenant = %s AND kind = %s AND record_id = %s",
                (Jsonb(to_raw(after)), *self._key),
            )


async def get_document(tx: Transaction, tenant: str, team_id: str, kind: type[D], doc_id: str) -> D | None:
    cursor = await tx.execute(
        "SELECT doc FROM documents WHERE tenant = %s AND team_id = %s AND kind = %s AND doc_id = %s",
        (tenant, team_id, kind.table, doc_id),
    )
    row = await cursor.fetchone()
    return from_raw(kind, row[0] if row else None)


async def find_documents(
    tx: Transaction, tenant: str, team_id: str, kind: type[D], where: dict[str, object]
) -> list[D]:
    matches = matcher(kind, where)
    cursor = await tx.execute(
        "SELECT doc FROM documents WHERE tenant = %s AND team_id = %s AND kind = %s AND doc @> %s ORDER BY seq",
        (tenant, team_id, kind.table, containing(where)),
    )
    return [kind.model_validate(raw) for (raw,) in await cursor.fetchall() if matches(raw)]


async def get_record(tx: Transaction, scope: str, kind: type[D], record_id: str) -> D | None:
    cursor = await tx.execute(
        "SELECT doc FROM records WHERE tenant = %s AND kind = %s AND record_id = %s", (scope, kind.table, record_id)
    )
    row = await cursor.fetchone()
    return from_raw(kind, row[0] if row else None)


async def find_records(tx: Transaction, scope: str, kind: type[D], where: dict[str, object]) -> list[D]:
    """Records containing `where`; containment also matches sub-objects, so the caller applies the matcher."""
    cursor = await tx.execute(
        "SELECT doc FROM records WHERE tenant = %s AND kind = %s AND doc @> %s ORDER BY record_id COLLATE \"C\"",
        (scope, kind.table, containing(where)),
    )
    return [kind.model_validate(raw) for (raw,) in await cursor.fetchall()]


def containing(where: dict[str, object]) -> Jsonb:
    """The JSON that every match contains: `{}` (which all documents contain) when there are no conditions."""
    wanted: Raw = {name: jsonable(value) for name, value in where.items()}
    return Jsonb(wanted)
