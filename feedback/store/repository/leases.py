"""Leases on review items: claiming a page for an expert, holding and releasing it, and the answers they guard."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import or_, text, update
from sqlmodel import Session, select

from feedback.store.models import LabelEvent, Lease
from feedback.store.repository.fragments import ACTIVE_EVENT_SQL

# Streamlit sessions are threads of the one process that owns the store: claims queue here.
_CLAIM_LOCK = threading.Lock()


def claim_leases(
    session: Session,
    annotator: str,
    candidates: list[tuple[str, bool]],
    n: int,
    now: datetime,
    expires_at: datetime,
    relook: frozenset[str] = frozenset(),
    explored: frozenset[str] = frozenset(),
) -> list[str]:
    """Hold up to ``n`` items for ``annotator``: the ones already held, then free candidates in order.

    Parameters
    ----------
    candidates : list of (external_id, overlap)
        Ranked; ``overlap`` says whether a not-yet-leased item opens a second slot.
    relook : frozenset of str
        Labelled items the queue sends back for another look: an earlier answer does not make them taken.
    explored : frozenset of str
        Items the queue drew as random exploration items: their leases say so (:func:`explored_ids`).
    now, expires_at : datetime
        Leases past their expiry count as free.

    Returns
    -------
    list of str
        Ids this annotator holds, oldest claim first.

    Notes
    -----
    The claim is a transaction of its own, taken under the claim lock: the session's earlier work
    is committed first, so the claim reads the leases as they are now, and the claim is committed
    before the lock is let go.
    """
    with _CLAIM_LOCK:
        session.commit()
        held = _held(session, annotator, now)
        for external_id, overlap_if_new in candidates:
            if len(held) >= n:
                break
            if external_id in held:
                continue
            rows = {r.slot: r for r in session.exec(select(Lease).where(Lease.external_id == external_id)).all()}
            overlap = rows[0].overlap if 0 in rows else overlap_if_new
            if not overlap and external_id not in relook and _answered(session, external_id):
                continue  # answered since the queue was read: its released lease is not free for others
            for slot in (0, 1) if overlap else (0,):
                row = rows.get(slot)
                if row is None:
                    session.add(
                        Lease(
                            external_id=external_id,
                            slot=slot,
                            annotator=annotator,
                            claimed_at=now,
                            position=len(held),
                            expires_at=expires_at,
                            overlap=overlap,
                            explored=external_id in explored,
                        )
                    )
                    session.flush()  # the primary key refuses a second holder of this slot
                else:
                    taken = session.execute(
                        update(Lease)
                        .where(
                            Lease.external_id == external_id,
                            Lease.slot == slot,
                            or_(Lease.released_at.is_not(None), Lease.expires_at <= now),
                        )
                        .values(
                            annotator=annotator,
                            claimed_at=now,
                            position=len(held),
                            expires_at=expires_at,
                            released_at=None,
                            explored=external_id in explored,
                        )
                    ).rowcount
                    if taken != 1:
                        continue
                held.append(external_id)
                break
        session.commit()
        return held


def explored_ids(session: Session) -> set[str]:
    """Ids of the items last leased as random exploration items (their labels are not the ranking's choice)."""
    return set(session.exec(select(Lease.external_id).where(Lease.explored)).all())


def _answered(session: Session, external_id: str) -> bool:
    """Whether anyone has an active answer (not a skip) on the item, read inside the claim."""
    return (
        session.execute(
            text(f"""SELECT 1 FROM labelevent l WHERE l.external_id = :external_id
                 AND l.action IN ('confirm', 'correct', 'ambiguous', 'adjudicate')
                 AND {ACTIVE_EVENT_SQL.format(e="l")} LIMIT 1"""),
            {"external_id": external_id},
        ).first()
        is not None
    )


def _held(session: Session, annotator: str, now: datetime) -> list[str]:
    statement = (
        select(Lease.external_id)
        .where(Lease.annotator == annotator, Lease.released_at.is_(None), Lease.expires_at > now)
        .order_by(Lease.claimed_at, Lease.position)
    )
    return list(dict.fromkeys(session.exec(statement).all()))


def release_all_leases(session: Session, annotator: str, now: datetime) -> None:
    """Release every lease ``annotator`` holds (the items go back to the queue), committed under the claim lock."""
    with _CLAIM_LOCK:
        session.commit()
        session.execute(
            update(Lease).where(Lease.annotator == annotator, Lease.released_at.is_(None)).values(released_at=now)
        )
        session.commit()


def held_ids(session: Session, annotator: str, now: datetime) -> list[str]:
    """Ids of the items ``annotator`` holds now, oldest claim first."""
    return _held(session, annotator, now)


def holds_lease(session: Session, external_id: str, annotator: str, now: datetime) -> bool:
    """Whether ``annotator`` holds an unexpired, unreleased lease on the item."""
    return external_id in _held(session, annotator, now)


def event_with_client_id(session: Session, client_id: str) -> LabelEvent | None:
    """The event stored for an answer the review card sent with this id, if any."""
    return session.exec(select(LabelEvent).where(LabelEvent.client_id == client_id)).first()


def has_active_answer(session: Session, external_id: str, annotator: str) -> bool:
    """Whether ``annotator`` has an answer on the item that is neither an undo nor undone."""
    return (
        session.execute(
            text(f"""SELECT 1 FROM labelevent l WHERE l.external_id = :external_id AND l.annotator = :annotator
                 AND {ACTIVE_EVENT_SQL.format(e="l")} LIMIT 1"""),
            {"external_id": external_id, "annotator": annotator},
        ).first()
        is not None
    )


def release_lease(session: Session, external_id: str, annotator: str, now: datetime) -> None:
    """Release the annotator's lease on an item (part of the caller's transaction)."""
    session.execute(
        update(Lease)
        .where(Lease.external_id == external_id, Lease.annotator == annotator, Lease.released_at.is_(None))
        .values(released_at=now)
    )


def latest_active_event(session: Session, annotator: str) -> LabelEvent | None:
    """The annotator's most recent event that is neither an undo nor undone."""
    voided = select(LabelEvent.voids_event_id).where(LabelEvent.voids_event_id.is_not(None))
    statement = (
        select(LabelEvent)
        .where(LabelEvent.annotator == annotator, LabelEvent.action != "undo", LabelEvent.id.not_in(voided))
        .order_by(LabelEvent.id.desc())
    )
    return session.exec(statement).first()
