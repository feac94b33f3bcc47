"""Posting JSON to a webhook: a timeout on every attempt, retries with backoff, never in the caller's way.

:func:`post_json` makes the attempts; :func:`send_in_background` runs them on a
daemon thread so that neither the app nor an ingest waits for a slow or dead
endpoint. A command-line process waits for deliveries still in flight when it
exits (:func:`wait_for_deliveries`, registered with :mod:`atexit`), at most as
long as their timeouts and retries allow.
"""

from __future__ import annotations

import atexit
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from feedback.store import utcnow

__all__ = ["post_json", "send_in_background", "wait_for_deliveries"]

_log = logging.getLogger(__name__)
_RETRY_STATUS = frozenset({408, 425, 429})  # plus every 5xx
_IN_FLIGHT: dict[threading.Thread, float] = {}  # thread -> latest time it can still be working
_IN_FLIGHT_LOCK = threading.Lock()


def post_json(
    url: str,
    payload: Any,
    *,
    timeout: float = 5.0,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """POST ``payload`` as JSON, retrying failures that may pass.

    Parameters
    ----------
    url : str
        An http(s) URL.
    payload : JSON-serialisable
    timeout : float, default=5.0
        Seconds each attempt may wait on the connection.
    retries : int, default=3
        Attempts after the first when it fails with a network error, a
        timeout, or HTTP 408, 425, 429 or 5xx. Other answers (a 4xx) are final.
    backoff : float, default=1.0
        Seconds before the first retry, doubled before each further one.
    sleep : callable, default=time.sleep
        How to wait between attempts.

    Returns
    -------
    dict
        ``{"status": "delivered" | "failed", "attempts": int, "http_status": int
        or None, "error": str or None, "finished_at": ISO 8601 str}``.
    """
    body = json.dumps(payload, default=str).encode("utf-8")
    http_status, error, attempts = None, None, 0
    for attempt in range(retries + 1):
        attempts += 1
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "feedback-loop-alerts"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return _outcome("delivered", attempts, response.status, None)
        except urllib.error.HTTPError as exc:
            http_status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
            if exc.code not in _RETRY_STATUS and exc.code < 500:
                break
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # refused, timed out, ...
            http_status, error = None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        if attempt < retries:
            sleep(backoff * 2**attempt)
    return _outcome("failed", attempts, http_status, error)


def send_in_background(
    url: str,
    payloads: list[Any],
    on_outcome: Callable[[Any, dict], None],
    *,
    timeout: float = 5.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> threading.Thread:
    """Post each payload in turn on a daemon thread, calling ``on_outcome(payload, outcome)`` after each.

    An exception in ``on_outcome`` is swallowed after the delivery, so one bad
    record does not stop the others.

    Returns
    -------
    threading.Thread
        Already started.
    """
    budget = len(payloads) * ((retries + 1) * timeout + backoff * (2**retries - 1) + 1.0)

    def run() -> None:
        try:
            for payload in payloads:
                outcome = post_json(url, payload, timeout=timeout, retries=retries, backoff=backoff)
                try:
                    on_outcome(payload, outcome)
                except Exception:  # noqa: BLE001 - recording is best effort; the delivery happened
                    _log.exception("webhook %s: delivered, but recording the outcome failed", url)
        finally:
            with _IN_FLIGHT_LOCK:
                _IN_FLIGHT.pop(threading.current_thread(), None)

    thread = threading.Thread(target=run, daemon=True, name="feedback-webhook")
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT[thread] = time.monotonic() + budget
    thread.start()
    return thread


def wait_for_deliveries(timeout: float | None = None) -> bool:
    """Wait for deliveries in flight, each at most until its own retries are spent.

    Parameters
    ----------
    timeout : float or None, default=None
        Give up after this many seconds overall.

    Returns
    -------
    bool
        Whether none is left in flight.
    """
    give_up = None if timeout is None else time.monotonic() + timeout
    with _IN_FLIGHT_LOCK:
        pending = list(_IN_FLIGHT.items())
    for thread, deadline in pending:
        if give_up is not None:
            deadline = min(deadline, give_up)
        thread.join(max(0.0, deadline - time.monotonic()))
    with _IN_FLIGHT_LOCK:
        return not _IN_FLIGHT


def _outcome(status: str, attempts: int, http_status: int | None, error: str | None) -> dict[str, Any]:
    return {
        "status": status,
        "attempts": attempts,
        "http_status": http_status,
        "error": error,
        "finished_at": utcnow().isoformat(),
    }


atexit.register(wait_for_deliveries)
