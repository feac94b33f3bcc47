"""The web layer, the only library code that imports Streamlit: settings, store, users, sign-in, review card, server."""

from feedback.web.charts import (
    ab_accuracy_chart,
    ab_p_value_chart,
    class_mix_chart,
    confusion_chart,
    learning_curve_chart,
    per_class_f1_chart,
    reliability_chart,
    simulation_chart,
    window_trend_chart,
)
from feedback.web.config import live_days, review_settings
from feedback.web.job_watch import watch_job
from feedback.web.remember import remember_expert, remembered_expert
from feedback.web.session import get_workspace, get_workspace_quietly, load_or_stop, worker
from feedback.web.signin import allowed, current_actor, sign_in, signed_in_user
from feedback.web.text import MARKDOWN_PUNCTUATION, WORD_JOINER, md_text
from feedback.web.users import SIGN_IN_HELP

__all__ = [
    "MARKDOWN_PUNCTUATION",
    "SIGN_IN_HELP",
    "WORD_JOINER",
    "ab_accuracy_chart",
    "ab_p_value_chart",
    "allowed",
    "class_mix_chart",
    "confusion_chart",
    "current_actor",
    "get_workspace",
    "get_workspace_quietly",
    "learning_curve_chart",
    "live_days",
    "load_or_stop",
    "md_text",
    "per_class_f1_chart",
    "reliability_chart",
    "remember_expert",
    "remembered_expert",
    "review_settings",
    "sign_in",
    "signed_in_user",
    "simulation_chart",
    "watch_job",
    "window_trend_chart",
    "worker",
]
