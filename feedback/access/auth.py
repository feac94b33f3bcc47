"""Sign-in for several experts: salted scrypt password hashes and three roles.

Users live in Streamlit secrets (``.streamlit/secrets.toml``) or any TOML file,
one table per user; the password itself is never stored::

    [users.ana]
    password_hash = "scrypt$16384$8$1$<salt-hex>$<hash-hex>"
    role = "annotator"          # annotator | lead | admin

Make a hash with::

    python -m feedback users hash                  # asks twice, without echo
    printf '%s' "$PASSWORD" | python -m feedback users hash

Roles: an annotator labels; a lead also adjudicates; an admin may do
everything, including retrain, promote, export and manage users (see
``feedback.access.permissions``, re-exported here).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from feedback.access.permissions import PERMISSIONS, ROLES, Actor, can
from feedback.exceptions import InputError

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "Actor",
    "SignInThrottle",
    "User",
    "authenticate",
    "can",
    "hash_password",
    "load_users",
    "load_users_file",
    "verify_password",
]

_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
_MAX_MEMORY, _MAX_P = 2**28, 16  # refuse hashes that would take over 256 MiB or many seconds
# Verified against for unknown users, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = f"{_SCHEME}${_N}${_R}${_P}${'00' * _SALT_BYTES}${'00' * _KEY_BYTES}"


@dataclass(frozen=True)
class User:
    """A configured user. The hash is kept out of ``repr`` so it never lands in a log."""

    name: str
    role: str
    password_hash: str = field(repr=False)

    def can(self, action: str) -> bool:
        """Whether this user's role allows ``action`` (see :func:`can`)."""
        return can(self.role, action)

    @property
    def actor(self) -> Actor:
        """This user as the acting person of a library call."""
        return Actor(self.name, self.role)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Hash a password with scrypt (n=2**14, r=8, p=1) and a random 16-byte salt.

    Parameters
    ----------
    password : str
        Not empty; encoded as UTF-8.
    salt : bytes, default=None
        16 bytes; drawn at random when None. Pass one only to reproduce a hash.

    Returns
    -------
    str
        ``scrypt$<n>$<r>$<p>$<salt-hex>$<hash-hex>``, for :func:`verify_password`.
    """
    if not isinstance(password, str) or password == "":
        raise InputError("The password is empty; choose a non-empty password.")
    salt = secrets.token_bytes(_SALT_BYTES) if salt is None else bytes(salt)
    if len(salt) != _SALT_BYTES:
        raise InputError(f"The salt has {len(salt)} bytes; it needs {_SALT_BYTES} (or none, to draw one at random).")
    key = _scrypt(password, salt, _N, _R, _P, _KEY_BYTES)
    return f"{_SCHEME}${_N}${_R}${_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches a hash from :func:`hash_password`.

    A malformed, truncated or tampered hash is refused (False), never an error;
    the comparison takes constant time (``hmac.compare_digest``).
    """
    parsed = _parse(encoded)
    if parsed is None or not isinstance(password, str):
        return False
    n, r, p, salt, expected = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, _KEY_BYTES), expected)


def load_users(mapping: Mapping) -> dict[str, User]:
    """Users from a mapping of user name to ``{"password_hash": ..., "role": ...}``.

    Parameters
    ----------
    mapping : Mapping
        ``st.secrets["users"]``, or the ``users`` table of a TOML file.

    Returns
    -------
    dict of str to User

    Raises
    ------
    InputError
        A user without a valid password_hash or role, or with a plaintext password;
        the message names the user and the fix.
    """
    if not isinstance(mapping, Mapping):
        raise InputError("Users must be a table of tables: one [users.<name>] with password_hash and role each.")
    users = {}
    for name, entry in mapping.items():
        where = f"User {name!r} ([users.{name}])"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where} must be a table with password_hash and role, not {type(entry).__name__}.")
        if "password" in entry:
            raise InputError(
                f"{where} has a plaintext password. Remove it; store only password_hash, "
                "made with `python -m feedback users hash`."
            )
        encoded = entry.get("password_hash")
        if not encoded:
            raise InputError(
                f"{where} has no password_hash. Make one with `python -m feedback users hash` "
                'and set password_hash = "scrypt$...".'
            )
        if _parse(str(encoded)) is None:
            raise InputError(
                f"{where} has a password_hash that is not a scrypt hash of this app. Make a new one "
                "with `python -m feedback users hash` and paste it whole."
            )
        role = entry.get("role")
        if role not in ROLES:
            found = "no role" if role is None else f"role {role!r}"
            raise InputError(f"{where} has {found}; set role to one of {', '.join(ROLES)}.")
        users[str(name)] = User(str(name), role, str(encoded))
    return users


def load_users_file(path: str | Path) -> dict[str, User]:
    """Users from the ``[users.<name>]`` tables of a TOML file (see :func:`load_users`)."""
    path = Path(path)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"Cannot read the users file {path}: {error.strerror or error}.") from error
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"The users file {path} is not valid TOML: {error}.") from error
    if "users" not in config:
        raise InputError(f"The users file {path} has no [users.<name>] tables; add one per user.")
    return load_users(config["users"])


def authenticate(users: Mapping[str, User], username: str, password: str) -> User | None:
    """The user whose name and password match, or None.

    An unknown name takes as long to refuse as a wrong password, so the
    answer time does not tell which names exist.
    """
    user = users.get((username or "").strip())
    if user is None:
        verify_password(password or "", _DUMMY_HASH)
        return None
    return user if verify_password(password or "", user.password_hash) else None


class SignInThrottle:
    """Slows password guessing per (user name, client) with a doubling wait, never a hard lock.

    The first ``free_failures`` wrong passwords in a row cost nothing (a typo retyped at once
    goes through); after the n-th one beyond them, that name waits
    ``min(base_seconds * 2 ** (n - 1), cap_seconds)`` from that client before its next try is even
    checked (1, 2, 4, ... seconds up to 5 minutes by default). Tries made while waiting are refused
    without counting, so they neither test a password nor prolong the wait. Another client,
    and so the real user at their own desk, is not slowed at all: nobody can keep a person
    out from elsewhere. A right password, or ``reset_seconds`` without a failure, forgets the pair.

    Counted across every browser session of the process, so opening a new tab does not
    reset it. Guessing from many clients at once is not stopped here (see the README).

    Parameters
    ----------
    free_failures : int, default=3
        Wrong passwords in a row without a wait.
    base_seconds : float, default=1
        The wait after the first wrong password beyond the free ones.
    cap_seconds : float, default=300
        The longest wait.
    reset_seconds : float, default=900
        A pair whose last failure is older than this starts afresh.
    max_pairs : int, default=10_000
        Pairs remembered at most (the oldest are forgotten first), so a flood of made-up names
        cannot fill the memory.
    clock : callable, default=time.monotonic
    """

    def __init__(
        self,
        free_failures: int = 3,
        base_seconds: float = 1.0,
        cap_seconds: float = 300.0,
        reset_seconds: float = 900.0,
        max_pairs: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.free_failures = free_failures
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.reset_seconds = reset_seconds
        self.max_pairs = max_pairs
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()  # (count, last failure)
        self._lock = threading.Lock()

    def _key(self, name: str, client: str | None) -> tuple[str, str]:
        return (name or "").strip(), client or "unknown"

    def _entry(self, key: tuple[str, str]) -> tuple[int, float] | None:
        entry = self._failures.get(key)
        if entry is not None and self._clock() - entry[1] > self.reset_seconds:
            del self._failures[key]
            return None
        return entry

    def retry_after(self, name: str, client: str | None = None) -> float:
        """Seconds until ``name`` may try again from ``client``; 0 when it may try now."""
        with self._lock:
            entry = self._entry(self._key(name, client))
            if entry is None:
                return 0.0
            count, last = entry
            if count <= self.free_failures:
                return 0.0
            wait = min(self.base_seconds * 2 ** (count - self.free_failures - 1), self.cap_seconds)
            return max(last + wait - self._clock(), 0.0)

    def failed(self, name: str, client: str | None = None) -> None:
        """Count a wrong password for ``name`` from ``client``."""
        with self._lock:
            key = self._key(name, client)
            entry = self._entry(key)
            self._failures[key] = ((entry[0] if entry else 0) + 1, self._clock())
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_pairs:
                self._failures.popitem(last=False)

    def succeeded(self, name: str, client: str | None = None) -> None:
        """Forget the failures of ``name`` from ``client`` after a right password."""
        with self._lock:
            self._failures.pop(self._key(name, client), None)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=128 * r * (n + p + 2) + 1024 * 1024
    )


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(n, r, p, salt, key) of a well-formed hash within sane cost limits, else None."""
    parts = encoded.split("$") if isinstance(encoded, str) else []
    if len(parts) != 6 or parts[0] != _SCHEME or not all(x.isascii() and x.isdigit() for x in parts[1:4]):
        return None
    n, r, p = (int(x) for x in parts[1:4])
    if not (n >= 2 and n & (n - 1) == 0 and r >= 1 and 128 * r * n <= _MAX_MEMORY and 1 <= p <= _MAX_P):
        return None
    try:
        salt, key = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return None
    if len(salt) != _SALT_BYTES or len(key) != _KEY_BYTES:  # a truncated key must not verify as a prefix
        return None
    return n, r, p, salt, key
