"""Team page: agreement between experts (every figure with its n) and the adjudication of conflicts."""

import pandas as pd
import streamlit as st

from feedback.access import who_may
from feedback.exceptions import FeedbackError
from feedback.review import adjudicate, team_overview
from feedback.web import allowed, current_actor, get_workspace, load_or_stop, md_text, signed_in_user

ws = get_workspace()
st.session_state.setdefault("annotator", "expert")
st.session_state.setdefault("adjudicated", None)
st.title("Team")

overview = load_or_stop(lambda: team_overview(ws))


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _resolve(item_id: str) -> None:
    try:
        event = adjudicate(
            ws,
            item_id,
            st.session_state[f"adjudicate_label_{item_id}"],
            actor=current_actor(),
            comment=st.session_state.get(f"adjudicate_comment_{item_id}"),
        )
    except FeedbackError as exc:
        st.session_state["adjudicated"] = ("error", md_text(exc))
        return
    st.session_state["adjudicated"] = ("ok", f"Resolved {md_text(event.external_id)} as {md_text(event.label)}.")


agreement = overview.agreement
st.subheader("Agreement")
st.markdown(
    f"{agreement.n_annotators} experts labelled {agreement.n_items_labelled} items; "
    f"{agreement.n_items_shared} were labelled by two or more."
)
fleiss, alpha = agreement.fleiss, agreement.krippendorff
st.markdown(
    f"- Fleiss' kappa **{_figure(fleiss.value)}** on {fleiss.n_items} items ({fleiss.n_ratings} labels)\n"
    f"- Krippendorff's alpha **{_figure(alpha.value)}** on {alpha.n_items} items ({alpha.n_ratings} labels)"
)
pairs = [p for p in agreement.cohen if p.n_items]
if pairs:
    st.markdown("Cohen's kappa for each pair of experts, on the items both labelled:")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "experts": f"{p.annotator_a} & {p.annotator_b}",
                    "Cohen's kappa": _figure(p.kappa),
                    "agreement": _figure(p.observed_agreement),
                    "items (n)": p.n_items,
                }
                for p in pairs
            ]
        ),
        hide_index=True,
    )
else:
    st.caption(
        "No two experts have labelled the same item yet: set FEEDBACK_OVERLAP_SHARE to give a share "
        "of the queue to two experts."
    )
st.caption("n/a: undefined, because no item qualifies or one label was used throughout.")

conflicts = overview.conflicts
st.subheader("Adjudication")
if signed_in_user() is None and allowed("adjudicate"):
    st.caption("Sign-in is off, so anyone may adjudicate; the name in the sidebar is recorded as the lead.")
if not allowed("adjudicate"):
    st.caption(f"{len(conflicts)} items wait for a lead. Only {who_may('adjudicate')} adjudicate.")
    st.stop()
status = st.session_state["adjudicated"]
if status:
    (st.success if status[0] == "ok" else st.error)(status[1])
if conflicts.empty:
    st.info("No conflicting items: every item the experts disagree on has been resolved.")
    st.stop()
st.caption(
    f"{len(conflicts)} conflicting items, most disputed first. Your resolution is recorded as an "
    "adjudicate event and beats any majority."
)
for item_id, row in conflicts.head(20).iterrows():
    current = f"majority for {md_text(row['label'])}" if row["source"] == "majority" else "tied"
    with st.container(border=True):
        st.markdown(f"**Item {md_text(item_id)}**: {row['n_labels']} votes for {row['n_distinct']} labels ({current})")
        st.markdown(
            "  \n".join(
                f"**{md_text(label)}**: {len(who)} ({', '.join(map(md_text, who))})"
                for label, who in sorted(row["votes"].items(), key=lambda kv: -len(kv[1]))
            )
        )
        voted = sorted(row["votes"], key=lambda label: -len(row["votes"][label]))
        options = voted + [label for label in overview.labels if label not in voted]
        left, middle, right = st.columns([1, 2, 1], vertical_alignment="bottom")
        left.selectbox("Gold label", options, key=f"adjudicate_label_{item_id}")
        middle.text_input("Comment (optional)", key=f"adjudicate_comment_{item_id}")
        right.button("Resolve", key=f"resolve_{item_id}", type="primary", on_click=_resolve, args=(item_id,))
if len(conflicts) > 20:
    st.caption(f"{len(conflicts) - 20} more after these are resolved.")
