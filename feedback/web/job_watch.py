"""Watching a background job from a page: its progress while it runs, a whole-page run when it starts or ends."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from feedback.web.session import worker
from feedback.worker import BackgroundJob

RUNNING_TICK = 1.0  # seconds between progress updates while the job runs
IDLE_TICK = 10.0  # seconds between looks for a job started elsewhere (a trigger, another tab)


def watch_job(kind: str, seen: BackgroundJob | None, progress: Callable[[BackgroundJob], None]) -> None:
    """Show the job of ``kind`` as this whole-page run saw it, and rerun the page when that changes.

    A fragment ticks every second while the job runs (``progress`` draws it) and
    every ten seconds otherwise; when the job it finds is not the one this page
    run drew (started, finished or replaced), it asks for a whole-page run, so
    everything the job wrote shows.

    Ticking only while a job runs matters beyond saving work: Streamlit merges a
    pending request into the newest one and keeps the newest one's page, so a
    fragment tick that lands while a click on another page is still pending sends
    the user back here. The fewer the ticks, the rarer that is.

    Parameters
    ----------
    kind : str
        The job kind (``"retrain"``, ``"simulate"``).
    seen : BackgroundJob or None
        ``worker().jobs.get(kind)`` as read at the top of this page run, before the
        page read the store: so the page includes whatever a finished job wrote.
    progress : callable
        Draws a running job (e.g. ``st.progress``), inside the fragment.
    """
    seen_running = seen is not None and seen.running

    @st.fragment(run_every=RUNNING_TICK if seen_running else IDLE_TICK)
    def tick() -> None:
        job = worker().jobs.get(kind)
        if job is not seen or (job is not None and job.running) != seen_running:
            st.rerun(scope="app")
        if seen_running:
            progress(job)

    tick()
