"""Sign-in for several experts: salted scrypt password hashes and three roles.

Users live in Streamlit secrets (``.streamlit/secrets.toml``) or any TOML file,
one table per user; the password itself is never stored::

    [users.ana]
    password_hash = "scrypt$16384$8$1$<salt-hex>$<hash-hex>"
    role = "annotator"          # annotator | lead | admin

Make a hash with::

    python -m feedback.auth hash            # asks twice, without echo
    printf '%s' "$PASSWORD" | python -m feedback.auth hash

Roles: an annotator labels; a lead also adjudicates; an admin may do
everything, including retrain, promote, export and manage users (see ``can``).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import secrets
import sys
import threading
import time
import tomllib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedback.exceptions import InputError

__all__ = [
    "PERMISSIONS", "ROLES", "SignInThrottle", "User", "authenticate", "can", "hash_password", "load_users", "load_users_file",
    "main", "verify_password",
]

ROLES = ("annotator", "lead", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "label": frozenset(ROLES),
    "adjudicate": frozenset({"lead", "admin"}),
    "set_queue_policy": frozenset({"lead", "admin"}),
    "retrain": frozenset({"admin"}),
    "promote": frozenset({"admin"}),
    "export": frozenset({"admin"}),
    "manage": frozenset({"admin"}),
}

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
            raise InputError(f"{where} has a plaintext password. Remove it; store only password_hash, "
                             "made with `python -m feedback.auth hash`.")
        encoded = entry.get("password_hash")
        if not encoded:
            raise InputError(f"{where} has no password_hash. Make one with `python -m feedback.auth hash` "
                             "and set password_hash = \"scrypt$...\".")
        if _parse(str(encoded)) is None:
            raise InputError(f"{where} has a password_hash that is not a scrypt hash of this app. Make a new one "
                             "with `python -m feedback.auth hash` and paste it whole.")
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
    """Refuses sign-in for a user name after too many wrong passwords in a short time.

    Counted per name across every browser session of the process, so opening a
    new tab does not reset it. While a name is locked its password is not even
    checked, which is what stops guessing.

    Parameters
    ----------
    max_failures : int, default=5
        Wrong passwords allowed within ``window_seconds``.
    window_seconds : float, default=900
        A failure older than this no longer counts.
    clock : callable, default=time.monotonic
    """

    def __init__(self, max_failures: int = 5, window_seconds: float = 900.0,
                 clock: Callable[[], float] = time.monotonic):
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str) -> deque[float]:
        failures = self._failures.setdefault(name.strip(), deque())
        while failures and failures[0] <= self._clock() - self.window_seconds:
            failures.popleft()
        return failures

    def retry_after(self, name: str) -> float:
        """Seconds until ``name`` may try again; 0 when it may try now."""
        with self._lock:
            failures = self._recent(name)
            if len(failures) < self.max_failures:
                return 0.0
            return max(failures[-self.max_failures] + self.window_seconds - self._clock(), 0.0)

    def failed(self, name: str) -> None:
        """Count a wrong password for ``name``."""
        with self._lock:
            self._recent(name).append(self._clock())

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name`` after a right password."""
        with self._lock:
            self._failures.pop(name.strip(), None)


def can(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action``.

    Parameters
    ----------
    role : {"annotator", "lead", "admin"}
    action : {"label", "adjudicate", "set_queue_policy", "retrain", "promote", "export", "manage"}

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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m feedback.auth hash``: read a password from stdin, print its hash."""
    summary = (__doc__ or "").split("\n\n")[0]
    parser = argparse.ArgumentParser(prog="python -m feedback.auth", description=summary)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("hash", help="Hash a password read from stdin (asked twice on a terminal).")
    parser.parse_args(argv)
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ; nothing was printed.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        print(hash_password(password))
    except InputError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=128 * r * (n + p + 2) + 1024 * 1024)


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


if __name__ == "__main__":
    raise SystemExit(main())
