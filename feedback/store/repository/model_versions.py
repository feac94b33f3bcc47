"""Model versions and the promotion and rollback decisions."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from feedback.store.models import Decision, ModelVersion


def list_versions(session: Session) -> list[ModelVersion]:
    """All model versions, newest first."""
    return list(session.exec(select(ModelVersion).order_by(ModelVersion.version.desc())).all())


def get_version(session: Session, version: int) -> ModelVersion | None:
    """One model version, or None."""
    return session.get(ModelVersion, version)


def version_with_alias(session: Session, alias: str) -> ModelVersion | None:
    """The version holding an alias (champion or challenger), or None."""
    return session.exec(select(ModelVersion).where(ModelVersion.alias == alias)).first()


def next_version_number(session: Session) -> int:
    """One more than the highest version so far."""
    return (session.exec(select(func.max(ModelVersion.version))).one() or 0) + 1


def decisions(session: Session) -> list[Decision]:
    """Promotions and rollbacks, newest first."""
    return list(session.exec(select(Decision).order_by(Decision.id.desc())).all())
