// The review card, run in the browser: shows the items leased to this expert, moves to the next
// one the instant a key is pressed, and sends each answer with the id of the item on screen.
//
// Answers wait in an outbox (kept in sessionStorage, so a reload does not lose them) until the
// server acknowledges their ids; the whole outbox is sent as one state value, so answers given
// faster than the server reruns are never coalesced away. Everything shown from the store is set
// as text (textContent), never as markup.

const STORE_KEY = "feedback-review-outbox";

function state() {
  if (!window.__feedbackReviewCard) {
    let outbox = [];
    try { outbox = JSON.parse(sessionStorage.getItem(STORE_KEY) || "[]"); } catch (e) { outbox = []; }
    window.__feedbackReviewCard = {
      outbox, sent: 0, sentAt: 0, current: null, shownAt: {}, items: [], data: null, args: null,
      notices: [], listening: false, typing: false,
    };
  }
  return window.__feedbackReviewCard;
}

function save(S) {
  try { sessionStorage.setItem(STORE_KEY, JSON.stringify(S.outbox)); } catch (e) { /* private mode: memory only */ }
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function newId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}

// One send in flight at a time: Streamlit stops a running script when a new value arrives, so a
// send per key at typing speed would keep interrupting the run that tops the card up. Answers
// given meanwhile wait in the outbox and go with the next send, when the server has answered.
function send(S) {
  if (!S.args) return;
  S.inflight = true;
  S.sent += 1;
  S.sentAt = Date.now();
  S.args.setStateValue("outbox", { ops: S.outbox.slice(), n: S.sent });
}

function pendingItems(S) {
  return new Set(S.outbox.filter((o) => o.op === "answer").map((o) => o.item));
}

function visibleItems(S) {
  const pending = pendingItems(S);
  return S.items.filter((it) => !pending.has(it.id));
}

function pickCurrent(S) {
  const items = visibleItems(S);
  if (S.current && items.some((it) => it.id === S.current)) return;
  S.current = items.length ? items[0].id : null;
}

function isTextEntry(node) {
  if (!node || !node.tagName) return false;
  const tag = node.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select" || node.isContentEditable) return true;
  if (tag !== "input") return false;
  const type = (node.getAttribute("type") || "text").toLowerCase();
  return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(type);
}

function onData(S, data) {
  const pending = new Set(S.outbox.map((o) => o.cid));
  // A refusal is told once: when it comes back for an answer this card still holds.
  for (const r of data.refused || []) if (pending.has(r.cid)) S.notices.push({ kind: "error", text: r.message });
  const done = new Set((data.acked || []).concat((data.refused || []).map((r) => r.cid)));
  S.outbox = S.outbox.filter((o) => !done.has(o.cid));
  save(S);
  if (data.notice && data.notice.id !== S.lastNotice) {
    S.lastNotice = data.notice.id;
    S.notices.push({ kind: data.notice.kind, text: data.notice.text });
  }
  S.notices = S.notices.slice(-3);
  S.items = data.items || [];
  if (data.pinned && S.items.some((it) => it.id === data.pinned) && data.pinned !== S.lastPinned) {
    S.lastPinned = data.pinned;
    S.current = data.pinned;
    delete S.shownAt[data.pinned];
  }
  pickCurrent(S);
  S.inflight = false;
  // Answers the server has not seen yet (made while it reran, or before a reload) go now.
  if (S.outbox.length) send(S);
}

function answer(S, fields) {
  const data = S.data;
  const op = Object.assign({ cid: newId(), annotator: data.annotator }, fields);
  if (op.op === "answer") {
    const item = S.items.find((it) => it.id === op.item);
    const root = S.root;
    const reason = root.querySelector("select.reason");
    const comment = root.querySelector("input.comment");
    op.reason = reason && reason.value ? reason.value : null;
    op.comment = comment && comment.value ? comment.value : null;
    op.seconds = Math.max(0, (Date.now() - (S.shownAt[op.item] || Date.now())) / 1000);
    op.hidden = Boolean(data.blind);
    if (op.action === "confirm" && item) op.label = item.predicted;
  }
  S.outbox.push(op);
  save(S);
  pickCurrent(S);
  render(S);
  if (!S.inflight) send(S);
}

function keyAction(S, key) {
  const data = S.data;
  const item = S.items.find((it) => it.id === S.current);
  const lower = key.length === 1 ? key.toLowerCase() : key;
  if (lower === data.keys.undo) return { op: "undo" };
  if (!item) return null;
  if (key === data.keys.confirm && !data.blind) return { op: "answer", item: item.id, action: "confirm" };
  if (lower === data.keys.skip) return { op: "answer", item: item.id, action: "skip", label: null };
  if (lower === data.keys.ambiguous) return { op: "answer", item: item.id, action: "ambiguous", label: null };
  for (const [label, k] of data.classes) {
    if (k && k === lower) return { op: "answer", item: item.id, label };
  }
  return null;
}

function onKey(event) {
  const S = state();
  if (!S.root || !S.root.isConnected || !S.data) return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  const target = event.composedPath ? event.composedPath()[0] : event.target;
  if (isTextEntry(target)) {
    // Enter or Escape in a text field hands the keys back to the card.
    if (event.key === "Escape" || (event.key === "Enter" && !S.root.contains(target))) {
      setTimeout(() => target.blur(), 0);
    } else if (event.key === "Escape" || event.key === "Enter") {
      target.blur();
      event.preventDefault();
    }
    return;
  }
  const action = keyAction(S, event.key);
  if (!action) {
    if (!S.current && event.key.length === 1) {
      S.notices.push({ kind: "info", text: "Waiting for the next items: that key was not applied to anything." });
      render(S);
    }
    return;
  }
  event.preventDefault();
  event.stopPropagation();
  answer(S, action);
}

function onFocus() {
  const S = state();
  const node = document.activeElement && document.activeElement.shadowRoot
    ? document.activeElement.shadowRoot.activeElement : document.activeElement;
  const typing = isTextEntry(node);
  if (typing !== S.typing) {
    S.typing = typing;
    if (S.root && S.root.isConnected) renderFocus(S);
  }
}

function renderFocus(S) {
  const line = S.root.querySelector(".focus");
  if (!line) return;
  line.textContent = S.typing
    ? "Keys go to the text field you are typing in. Press Esc (or Enter) to answer with keys again."
    : "Keys answer this card.";
  line.className = "focus" + (S.typing ? " typing" : "");
}

function drawInput(box, input) {
  if (input.kind === "image") {
    const [h, w] = input.shape;
    const scale = Math.max(1, Math.floor(192 / Math.max(h, w)));
    const canvas = el("canvas");
    canvas.width = w * scale;
    canvas.height = h * scale;
    canvas.setAttribute("aria-label", "Input image");
    const ctx = canvas.getContext("2d");
    const max = Math.max(1e-9, ...input.pixels);
    input.pixels.forEach((v, i) => {
      const g = Math.round(255 * (1 - v / max));
      ctx.fillStyle = `rgb(${g},${g},${g})`;
      ctx.fillRect((i % w) * scale, Math.floor(i / w) * scale, scale, scale);
    });
    box.appendChild(canvas);
  } else {
    const table = el("table", null, "features");
    for (const [name, value] of input.rows) {
      const tr = el("tr");
      tr.appendChild(el("th", name));
      tr.appendChild(el("td", value));
      table.appendChild(tr);
    }
    box.appendChild(table);
  }
}

function button(S, text, fields, primary) {
  const b = el("button", text, primary ? "primary" : "");
  b.type = "button";
  b.addEventListener("click", () => answer(S, fields));
  return b;
}

function render(S) {
  const root = S.root;
  const data = S.data;
  const notices = root.querySelector(".notices");
  notices.replaceChildren(...S.notices.map((n) => el("div", n.text, "notice " + n.kind)));
  S.notices = S.notices.filter((n) => n.kind !== "info");
  renderFocus(S);
  const pending = S.outbox.length;
  root.querySelector(".card").dataset.pending = String(pending);  // tests and people can see what is unsaved
  root.querySelector(".caption").textContent =
    `${visibleItems(S).length} items held for you (leased so no other expert gets them)`
    + (pending ? ` · ${pending} answer(s) being saved` : "");
  const key = [S.current, data.blind, S.items.length > 0, data.annotator].join("|");
  if (key === S.renderedKey) return;  // same item: keep the reason and comment being typed
  S.renderedKey = key;
  renderBody(S);
}

function renderBody(S) {
  const data = S.data;
  const card = S.root.querySelector(".body");
  card.replaceChildren();
  const item = S.items.find((it) => it.id === S.current);
  const undo = el("button", `Undo my last answer (${data.keys.undo.toUpperCase()})`, "undo");
  undo.type = "button";
  undo.addEventListener("click", () => answer(S, { op: "undo" }));
  if (!item) {
    card.appendChild(el("p", S.items.length ? "Loading the next items…" : data.empty_message, "empty"));
    card.appendChild(undo);
    return;
  }
  if (!S.shownAt[item.id]) S.shownAt[item.id] = Date.now();
  const cols = el("div", null, "cols");
  const left = el("div", null, "left");
  drawInput(left, item.input);
  const right = el("div", null, "right");
  right.appendChild(el("h3", `Item ${item.id}`));
  const why = el("p");
  why.appendChild(el("strong", "Why it surfaced: "));
  why.appendChild(document.createTextNode(item.reasons.join("; ")));
  right.appendChild(why);
  const says = el("p");
  says.appendChild(el("strong", "Model says: "));
  if (data.blind) {
    says.appendChild(document.createTextNode("hidden until you answer (blind-first)"));
    right.appendChild(says);
  } else {
    says.appendChild(el("code", item.predicted));
    says.appendChild(document.createTextNode(` with probability ${Math.round(100 * item.confidence)}%`));
    right.appendChild(says);
    const top = el("table", null, "top");
    for (const [cls, p] of item.top) {
      const tr = el("tr");
      tr.appendChild(el("td", cls));
      tr.appendChild(el("td", `${(100 * p).toFixed(1)}%`));
      top.appendChild(tr);
    }
    right.appendChild(top);
  }
  for (const [title, lines] of [["End users: ", item.signals], ["History: ", item.history]]) {
    if (!lines.length) continue;
    const p = el("p");
    p.appendChild(el("strong", title));
    p.appendChild(document.createTextNode(lines.join("; ")));
    right.appendChild(p);
  }
  const legend = data.classes.filter(([, k]) => k).map(([label, k]) => (k === label ? label : `${k.toUpperCase()} ${label}`)).join(" · ");
  right.appendChild(el("p", `Keys: ${legend}${data.blind ? "" : ` · ${data.keys.confirm} confirm the model`} · `
    + `${data.keys.skip.toUpperCase()} skip · ${data.keys.ambiguous.toUpperCase()} ambiguous · `
    + `${data.keys.undo.toUpperCase()} undo your last answer`, "legend"));
  const classes = el("div", null, "row");
  for (const [label] of data.classes) classes.appendChild(button(S, label, { op: "answer", item: item.id, label }));
  right.appendChild(classes);
  const actions = el("div", null, "row");
  if (!data.blind) {
    actions.appendChild(button(S, `Confirm ${item.predicted}`, { op: "answer", item: item.id, action: "confirm" }, true));
  }
  actions.appendChild(button(S, "Skip", { op: "answer", item: item.id, action: "skip", label: null }));
  actions.appendChild(button(S, "Ambiguous", { op: "answer", item: item.id, action: "ambiguous", label: null }));
  actions.appendChild(undo);
  right.appendChild(actions);
  const extra = el("div", null, "row extra");
  const reason = el("select", null, "reason");
  reason.setAttribute("aria-label", "Reason");
  reason.appendChild(el("option", "No reason"));
  reason.options[0].value = "";
  for (const code of data.reasons) reason.appendChild(el("option", code));
  const comment = el("input", null, "comment");
  comment.type = "text";
  comment.placeholder = "Comment (optional)";
  comment.setAttribute("aria-label", "Comment");
  extra.appendChild(reason);
  extra.appendChild(comment);
  right.appendChild(extra);
  cols.appendChild(left);
  cols.appendChild(right);
  card.appendChild(cols);
}

export default function (args) {
  const S = state();
  S.args = args;
  S.data = args.data;
  S.root = args.parentElement;
  if (!S.root.querySelector(".card")) {
    const card = el("div", null, "card");
    for (const part of ["notices", "focus", "caption", "body"]) card.appendChild(el("div", null, part));
    S.root.appendChild(card);
    S.renderedKey = null;
  }
  if (!S.listening) {
    S.listening = true;
    window.addEventListener("keydown", onKey, true);
    document.addEventListener("focusin", onFocus, true);
    document.addEventListener("focusout", () => setTimeout(onFocus, 0), true);
    onFocus();  // a field may have had the focus before the card was first drawn
    setInterval(() => {
      const s = state();
      // A send the server never answered (a lost connection, a rerun with nothing new to show) goes again.
      if (s.outbox.length && s.root && s.root.isConnected && Date.now() - s.sentAt > 3000) send(s);
    }, 500);
  }
  onData(S, args.data);
  render(S);
}
