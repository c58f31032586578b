"""The async store interface: all that callers see of persistence.

Implementations provide three primitives (get, update, find) scoped to one team
partition; everything else is built on those here, so the TinyDB store and the
planned PostgreSQL store share one behaviour and one contract test suite.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from bot.keys import AssessmentKey, TeamKey
from bot.models import Answer, Document, Response, response_id

D = TypeVar("D", bound=Document)


class Store(ABC):
    """Documents partitioned by team; a call can only ever see the partition its key names."""

    async def open(self) -> None:
        """Acquire files or connections; called once before use."""

    async def close(self) -> None:
        """Flush and release everything; called once on shutdown."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @abstractmethod
    async def get(self, team: TeamKey, kind: type[D], doc_id: str) -> D | None:
        """Return a copy of one document, or None; mutating it never changes the store."""

    @abstractmethod
    async def update(self, team: TeamKey, kind: type[D], doc_id: str, change: Callable[[D | None], D]) -> D:
        """Atomic read-modify-write of one document.

        `change` gets the current document (or None) and returns the new one; raise
        inside it to abort with nothing written. Returns only once the write is durable.
        """

    @abstractmethod
    async def find(self, team: TeamKey, kind: type[D], **where: object) -> list[D]:
        """Documents of one kind in one team whose top-level fields equal the given values."""

    async def put(self, team: TeamKey, doc: Document) -> None:
        """Create or replace a document, durably."""
        await self.update(team, type(doc), doc.doc_id, lambda _current: doc)

    async def record_answer(self, key: AssessmentKey, answer: Answer) -> Response:
        """Store an answer, keeping any earlier version in the response's history."""

        def apply(current: Response | None) -> Response:
            return Response.first(key.assessment_id, answer) if current is None else current.revise(answer)

        doc_id = response_id(key.assessment_id, answer.section, answer.author_id)
        return await self.update(key.team, Response, doc_id, apply)

    async def responses(self, key: AssessmentKey) -> list[Response]:
        """Every current answer in an assessment, by anyone."""
        return await self.find(key.team, Response, assessment_id=key.assessment_id)
