"""What cards and paper pages show of the viewer's library, for templates.

`library_state(request, paper_id)` answers for one card: which of the viewer's collections
hold the paper and its reading state. The viewer's collection list is read once per request;
each card then costs two small indexed lookups (only for logged-in viewers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from starlette.requests import Request

from dailypapers.store.models import LibraryCollection, LibraryEditor, LibraryItem, ReadingState


@dataclass(slots=True)
class CardLibrary:
    collections: list[tuple[int, str, bool]] = field(default_factory=list)  # id, title, holds it
    read: bool = False
    not_interested: bool = False

    @property
    def count(self) -> int:
        return sum(1 for _, _, held in self.collections if held)


def _collections(request: Request, session, user_id: int) -> list[tuple[int, str]]:  # noqa: ANN001
    cached = getattr(request.state, "library_collections", None)
    if cached is None:
        shared = select(LibraryEditor.collection_id).where(LibraryEditor.user_id == user_id)
        rows = session.execute(
            select(LibraryCollection.id, LibraryCollection.title)
            .where((LibraryCollection.owner_id == user_id) | LibraryCollection.id.in_(shared))
            .order_by(LibraryCollection.is_default.desc(), LibraryCollection.id)
        ).all()
        cached = request.state.library_collections = [(r.id, r.title) for r in rows]
    return cached


def library_state(request: Request, paper_id: int) -> CardLibrary:
    viewer = getattr(request.state, "user", None)
    if viewer is None:
        return CardLibrary()
    with request.app.state.store.session() as session:
        collections = _collections(request, session, viewer.id)
        held = set(
            session.scalars(
                select(LibraryItem.collection_id).where(
                    LibraryItem.paper_id == paper_id,
                    LibraryItem.collection_id.in_([cid for cid, _ in collections]),
                )
            )
        )
        state = session.get(ReadingState, (viewer.id, paper_id))
        return CardLibrary(
            [(cid, title, cid in held) for cid, title in collections],
            read=bool(state and state.read_at),
            not_interested=bool(state and state.not_interested_at),
        )
