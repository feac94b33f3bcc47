"""Who may do what: the three roles, every state-changing action, and the check the library makes.

Each library function that changes state takes the acting person as an :class:`Actor`
and calls :func:`require` before it writes anything, so hiding a button is never the
only guard. The README's role table is this ``PERMISSIONS`` mapping in prose.
"""

from __future__ import annotations

from dataclasses import dataclass

from feedback.exceptions import PermissionDenied

__all__ = ["Actor", "PERMISSIONS", "ROLES", "can", "require", "who_may"]

ROLES = ("annotator", "lead", "admin")
_EVERYONE = frozenset(ROLES)
_LEADS = frozenset({"lead", "admin"})
_ADMINS = frozenset({"admin"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "label": _EVERYONE,
    "undo": _EVERYONE,
    "check_alerts": _EVERYONE,  # re-runs what the app runs by itself after every ingest and every 30 s
    "adjudicate": _LEADS,
    "set_queue_policy": _LEADS,
    "find_suspects": _LEADS,
    "acknowledge_alert": _LEADS,
    "resolve_alert": _LEADS,
    "simulate": _LEADS,
    "retrain": _ADMINS,
    "set_retrain_policy": _ADMINS,
    "promote": _ADMINS,
    "rollback": _ADMINS,
    "set_alert_policy": _ADMINS,
    "start_experiment": _ADMINS,
    "stop_experiment": _ADMINS,
    "export": _ADMINS,
    "manage": _ADMINS,  # users, the store itself (init, ingest from the command line)
}


@dataclass(frozen=True)
class Actor:
    """The person (or the app acting on an admin's settings) behind a change.

    Parameters
    ----------
    name : str
        Recorded with the change.
    role : {"annotator", "lead", "admin"}
        Decides what the change may be (see ``PERMISSIONS``).

    Raises
    ------
    ValueError
        An unknown role: a typo must not silently grant or deny.
    """

    name: str
    role: str

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"Unknown role {self.role!r}; use one of {', '.join(ROLES)}.")


def can(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action``.

    Parameters
    ----------
    role : {"annotator", "lead", "admin"}
    action : str
        A key of ``PERMISSIONS``.

    Raises
    ------
    ValueError
        An unknown role or action: a typo must not silently grant or deny.
    """
    if action not in PERMISSIONS:
        raise ValueError(f"Unknown action {action!r}; use one of {', '.join(PERMISSIONS)}.")
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    return role in PERMISSIONS[action]


def who_may(action: str) -> str:
    """``"admins"``, ``"leads and admins"`` or ``"annotators and leads and admins"``, for messages."""
    return " and ".join(f"{role}s" for role in ROLES if can(role, action))


def require(actor: Actor, action: str) -> Actor:
    """Refuse ``action`` unless ``actor``'s role allows it; call it before any write.

    Returns
    -------
    Actor
        ``actor``, so a call can read ``actor = require(actor, "promote")``.

    Raises
    ------
    PermissionDenied
        The role may not; the message names the action and the roles that may.
    TypeError
        ``actor`` is not an :class:`Actor` (a bare name carries no role to check).
    """
    if not isinstance(actor, Actor):
        raise TypeError(f"The acting user must be an Actor(name, role), not {type(actor).__name__}.")
    if not can(actor.role, action):
        raise PermissionDenied(
            f"{actor.name} is {_article(actor.role)} {actor.role} and may not "
            f"{action.replace('_', ' ')}; only {who_may(action)} may. Nothing was changed."
        )
    return actor


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
