"""Webhook deliveries on daemon threads, so neither the app nor an ingest waits for a slow or dead endpoint.

:func:`deliver_alerts_in_background` wires :func:`deliver_in_background` as the
deliverer of :mod:`feedback.alerts` (the app and the command line call it at
start). A process waits for the deliveries still in flight when it exits
(:func:`wait_for_deliveries`, registered with :mod:`atexit`), each at most as
long as its timeouts and retries allow.
"""

from __future__ import annotations

import atexit
import threading
import time

from feedback.alerts import Delivery, deliver_with

__all__ = ["deliver_alerts_in_background", "deliver_in_background", "wait_for_deliveries"]

_IN_FLIGHT: dict[threading.Thread, float] = {}  # thread -> latest time it can still be working
_IN_FLIGHT_LOCK = threading.Lock()


def deliver_in_background(delivery: Delivery) -> threading.Thread:
    """Run ``delivery`` on a daemon thread, tracked until it ends so that exit can wait for it.

    Returns
    -------
    threading.Thread
        Already started.
    """

    def run() -> None:
        try:
            delivery.run()
        finally:
            with _IN_FLIGHT_LOCK:
                _IN_FLIGHT.pop(threading.current_thread(), None)

    thread = threading.Thread(target=run, daemon=True, name="feedback-webhook")
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT[thread] = time.monotonic() + delivery.budget()
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


def deliver_alerts_in_background() -> None:
    """Post this process's new alerts to the webhook on background threads (see :func:`feedback.alerts.deliver`).

    The app and the command line call this at start, beside
    :func:`feedback.alerts.check_alerts_on_writes`; calling it again changes nothing.
    """
    deliver_with(deliver_in_background)


atexit.register(wait_for_deliveries)
