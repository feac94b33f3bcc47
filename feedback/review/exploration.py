"""The default query policy in the live queue: ranking or random items for this page, and the exploration floor.

The same bandit as the simulator's default (:mod:`active_learning.bandit`):
Thompson sampling between the uncertainty ranking and random items, rewarded
by :func:`feedback.lifecycle.queue_value` (queue labels against audit labels,
measured on held-out audit labels), and at least ``exploration_floor`` of the
page drawn at random. The evidence is :func:`feedback.lifecycle.current_queue_value`,
refreshed every 10 label events (fitting its models on every claim would slow
the review card); the draw is seeded by the label count, so a page is stable until someone answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from active_learning import draw_arm, floor_count
from feedback import store
from feedback.lifecycle import current_queue_value
from feedback.review.policy import QueuePolicy
from feedback.store import repository
from feedback.workspace import Workspace

RANDOM_ARM = "random"


@dataclass(frozen=True)
class PagePlan:
    """How this page splits between the ranking and random exploration items.

    Attributes
    ----------
    arm : str
        ``"random"`` or the policy's uncertainty measure (``"ranking"`` when the policy is not adaptive).
    n_explore : int
        Places (outside the audit slice) filled with random unlabelled items.
    seed : int
        Seeds the draw and the random items' order.
    """

    arm: str
    n_explore: int
    seed: int


def page_plan(ws: Workspace, policy: QueuePolicy, limit: int) -> PagePlan:
    """The bandit's choice for a page of ``limit`` items under ``policy``."""
    if not policy.adaptive:
        return PagePlan("ranking", 0, 0)
    with store.session(ws) as session:
        n_events = int(repository.count_rows(session)["label_events"])
    rng = np.random.default_rng([n_events, limit])
    arm = draw_arm({policy.uncertainty_measure: current_queue_value(ws, n_events).value}, rng)
    n_explore = limit if arm == RANDOM_ARM else floor_count(limit, policy.exploration_floor, rng)
    return PagePlan(arm, n_explore, n_events)
