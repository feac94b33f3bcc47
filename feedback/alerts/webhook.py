"""Posting alerts to a webhook: a timeout on every attempt, retries with backoff, the outcome kept on the alert.

:func:`post_json` makes the attempts and returns the outcome; a
:class:`Delivery` posts a batch of payloads in turn and records each outcome.
This package starts no thread: :func:`deliver` hands a delivery to the
deliverer the app and the command line wire at start
(:func:`feedback.worker.deliver_alerts_in_background`, which posts on a
daemon thread so no ingest waits for a slow endpoint, and waits for the
deliveries in flight when the process exits). With no deliverer wired (the
library used alone), :func:`deliver` posts in the caller, which then waits at
most :meth:`Delivery.budget` seconds: the alert is still delivered.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from feedback.store import utcnow

__all__ = ["Deliverer", "Delivery", "deliver", "deliver_with", "post_json"]

_log = logging.getLogger(__name__)
_RETRY_STATUS = frozenset({408, 425, 429})  # plus every 5xx


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


@dataclass(frozen=True)
class Delivery:
    """Payloads to post to one webhook in turn, and how to record each outcome.

    Parameters
    ----------
    url : str
        An http(s) URL.
    payloads : tuple of JSON-serialisable
    record : callable
        ``record(payload, outcome)`` after each post, ``outcome`` as
        :func:`post_json` returns it.
    timeout, retries, backoff : float, int, float
        As :func:`post_json` takes them.
    """

    url: str
    payloads: tuple[Any, ...]
    record: Callable[[Any, dict], None]
    timeout: float = 5.0
    retries: int = 3
    backoff: float = 1.0

    def budget(self) -> float:
        """The most seconds :meth:`run` can take: every attempt timing out, every backoff, a second to record each."""
        per_payload = (self.retries + 1) * self.timeout + self.backoff * (2**self.retries - 1) + 1.0
        return len(self.payloads) * per_payload

    def run(self) -> None:
        """Post each payload in turn and record its outcome.

        An exception in ``record`` is logged and swallowed after the post, so
        one bad record does not stop the others.
        """
        for payload in self.payloads:
            outcome = post_json(self.url, payload, timeout=self.timeout, retries=self.retries, backoff=self.backoff)
            try:
                self.record(payload, outcome)
            except Exception:  # noqa: BLE001 - recording is best effort; the delivery happened
                _log.exception("webhook %s: delivered, but recording the outcome failed", self.url)


Deliverer = Callable[[Delivery], object]

_deliverer: Deliverer | None = None
_deliverer_lock = threading.Lock()


def deliver_with(deliverer: Deliverer | None) -> Deliverer | None:
    """Hand every later :func:`deliver` to ``deliverer(delivery)``; None posts in the caller again.

    The app and the command line wire a background deliverer at start (see
    :func:`feedback.worker.deliver_alerts_in_background`); wiring the same one
    again changes nothing.

    Returns
    -------
    callable or None
        The deliverer wired before, to restore it.
    """
    global _deliverer
    with _deliverer_lock:
        previous, _deliverer = _deliverer, deliverer
    return previous


def deliver(delivery: Delivery) -> None:
    """Hand ``delivery`` to the wired deliverer, or run it in the caller when none is wired."""
    with _deliverer_lock:
        deliverer = _deliverer
    if deliverer is None:
        delivery.run()
    else:
        deliverer(delivery)


def _outcome(status: str, attempts: int, http_status: int | None, error: str | None) -> dict[str, Any]:
    return {
        "status": status,
        "attempts": attempts,
        "http_status": http_status,
        "error": error,
        "finished_at": utcnow().isoformat(),
    }
