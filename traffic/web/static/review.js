// The review queue: keyboard decisions on the oldest records first, the next one shown without a page load.
"use strict";
(function () {
  const { data, t, request, say, typing } = window.Traffic;
  const D = window.Decisions;
  const UNDO_WINDOW_MS = 30000;
  const PREFETCH_AHEAD = 3;
  const root = document.getElementById("review");
  const list = document.getElementById("queue-list");
  const items = data.items.slice();
  const selected = new Set();
  let index = 0;
  let lastDecision = null; // {record (as after the decision), at, position}
  let exhausted = items.length < data.page_size; // the server sent all there is
  let busy = false;

  function current() { return items[index] || null; }

  function prefetch(from) {
    for (const item of items.slice(from, from + PREFETCH_AHEAD)) {
      for (const e of item.evidence) { const img = new Image(); img.src = e.url; }
    }
  }

  function renderList() {
    list.replaceChildren(...items.map((item, i) => {
      const li = document.createElement("li");
      li.dataset.id = item.id;
      if (i === index) li.setAttribute("aria-current", "true");
      if (selected.has(item.id)) li.classList.add("selected");
      const a = document.createElement("a");
      a.href = item.page_url;
      a.textContent = `${selected.has(item.id) ? "✓ " : ""}${item.captured_at} · ${item.record_no}`;
      li.append(a);
      return li;
    }));
    document.getElementById("queue-count").textContent = items.length + (exhausted ? "" : "+");
    document.getElementById("queue-empty").hidden = items.length > 0;
    const currentRow = list.children[index];
    if (currentRow) currentRow.scrollIntoView({ block: "nearest" });
    document.getElementById("selection-line").textContent =
      selected.size ? t("js.selected", { count: selected.size }) : "";
  }

  function showImage(entry) {
    const main = document.getElementById("main-image");
    main.src = entry ? entry.url : "data:,";
    main.alt = entry ? `${entry.label} ${entry.name}` : "";
    document.getElementById("main-caption").textContent = entry ? entry.label : "";
  }

  function renderRecord() {
    const item = current();
    for (const dd of document.querySelectorAll("#facts [data-field]")) {
      dd.textContent = item ? String(item[dd.dataset.field] ?? "") : "";
    }
    const link = document.getElementById("record-link");
    link.textContent = item ? item.record_no : t("js.queue_empty");
    link.href = item ? item.page_url : "#";
    document.getElementById("overdue-flag").hidden = !(item && item.overdue);
    const thumbs = document.getElementById("thumbs");
    thumbs.replaceChildren(...(item ? item.evidence : []).map((entry) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "thumb";
      const img = document.createElement("img");
      img.src = entry.url;
      img.alt = `${entry.label} ${entry.name}`;
      button.append(img);
      button.addEventListener("click", () => showImage(entry));
      return button;
    }));
    showImage(item && item.evidence.length ? item.evidence[0] : null);
    root.dataset.currentId = item ? item.id : "";
    root.dataset.currentVersion = item ? item.version : "";
    renderList();
    prefetch(index + 1);
    if (items.length - index <= PREFETCH_AHEAD) loadMore();
  }

  // The queue's cursor is the last record ever loaded, so that clearing every loaded record still finds the next.
  let cursor = items.length ? items[items.length - 1] : null;
  let loading = null; // the page being fetched, so a key pressed at the end waits for it instead of being lost

  function loadMore() {
    if (exhausted || !cursor) return Promise.resolve();
    if (!loading) loading = fetchMore().finally(() => { loading = null; });
    return loading;
  }

  async function fetchMore() {
    const url = `${root.dataset.moreUrl}&after_id=${cursor.id}&after_utc=${encodeURIComponent(cursor.captured_utc)}`;
    const result = await request("GET", url);
    if (!result.ok) return;
    const known = new Set(items.map((i) => i.id));
    const fresh = result.body.items.filter((i) => !known.has(i.id));
    if (result.body.items.length < data.page_size) exhausted = true;
    if (result.body.items.length) cursor = result.body.items[result.body.items.length - 1];
    const wasEmpty = items.length === 0;
    items.push(...fresh);
    if (wasEmpty) renderRecord(); else { renderList(); prefetch(index + 1); }
  }

  async function move(step) {
    if (step > 0 && index + step >= items.length) await loadMore();
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index + step));
    renderRecord();
  }

  // The record left the queue's status: drop it and show the next one in its place.
  function removeCurrent(after) {
    const position = index;
    items.splice(position, 1);
    selected.delete(after.id);
    if (index >= items.length) index = Math.max(0, items.length - 1);
    lastDecision = { record: after, at: Date.now(), position };
    renderRecord();
  }

  async function refresh(item) {
    const result = await request("GET", `/review/items/${item.id}`);
    const position = items.findIndex((i) => i.id === item.id);
    if (position < 0) return;
    if (result.ok && result.body.status === item.status) items[position] = result.body;
    else items.splice(position, 1);
    if (index >= items.length) index = Math.max(0, items.length - 1);
    renderRecord();
  }

  async function decide(to, fields) {
    const item = current();
    if (!item || busy) return;
    busy = true;
    try {
      const result = await D.transition(item, to, fields || {});
      if (!result.ok) {
        say(D.explain(result), "error");
        if (result.status === 409) await refresh(item);
        return;
      }
      say(t("js.done_" + to, { record: item.record_no }), "ok");
      removeCurrent(result.body);
    } finally {
      busy = false;
    }
  }

  async function dismiss() {
    if (!current()) return;
    const fields = await D.askDismissal();
    if (fields) await decide("dismissed", fields);
  }

  // Assigning a pending record confirms it first: review and assignment are two audited steps.
  async function assign() {
    const item = current();
    if (!item || busy) return;
    const fields = await D.askAssignment();
    if (!fields) return;
    busy = true;
    try {
      let record = item;
      if (item.status === "pending_review") {
        const confirmed = await D.transition(item, "confirmed", {});
        if (!confirmed.ok) { say(D.explain(confirmed), "error"); if (confirmed.status === 409) await refresh(item); return; }
        record = { ...item, version: confirmed.body.version };
      }
      const assigned = await D.transition(record, "assigned", fields);
      if (!assigned.ok) { say(D.explain(assigned), "error"); await refresh(item); return; }
      say(t("js.done_assigned", { record: item.record_no }), "ok");
      removeCurrent(assigned.body);
    } finally {
      busy = false;
    }
  }

  async function bulkDecide(to) {
    const chosen = items.filter((i) => selected.has(i.id));
    if (!chosen.length) { say(t("js.nothing_selected"), "error"); return; }
    let fields = {};
    if (to === "dismissed") { fields = await D.askDismissal(); if (!fields) return; }
    const result = await D.bulk(chosen, to, fields);
    if (!result.ok) { say(D.explain(result), "error"); return; }
    const done = new Set(result.body.items.filter((i) => i.ok).map((i) => i.id));
    const failed = result.body.items.filter((i) => !i.ok);
    for (let i = items.length - 1; i >= 0; i--) if (done.has(items[i].id)) items.splice(i, 1);
    selected.clear();
    index = Math.min(index, Math.max(0, items.length - 1));
    say(t("js.bulk_done", { done: done.size, failed: failed.length }), failed.length ? "error" : "ok");
    for (const f of failed) { const item = items.find((i) => i.id === f.id); if (item) await refresh(item); }
    renderRecord();
  }

  async function undoLast() {
    if (!lastDecision || Date.now() - lastDecision.at > UNDO_WINDOW_MS) {
      say(t("js.nothing_to_undo"), "error");
      return;
    }
    const { record, position } = lastDecision;
    const result = await D.undo(record);
    if (!result.ok) { say(D.explain(result), "error"); return; }
    lastDecision = null;
    const restored = await request("GET", `/review/items/${record.id}`);
    if (restored.ok) {
      items.splice(Math.min(position, items.length), 0, restored.body);
      index = Math.min(position, items.length - 1);
    }
    say(t("js.undone", { record: record.record_no }), "ok");
    renderRecord();
  }

  function toggleSelection() {
    const item = current();
    if (!item) return;
    if (selected.has(item.id)) selected.delete(item.id); else selected.add(item.id);
    renderList();
  }

  function openHelp() { document.getElementById("help-dialog").showModal(); }

  const canDecide = data.role === "reviewer" || data.role === "supervisor";
  const keys = {
    j: () => move(1), k: () => move(-1), x: toggleSelection, "?": openHelp,
    o: () => { const item = current(); if (item) window.location.href = item.page_url; },
  };
  if (canDecide) {
    Object.assign(keys, {
      y: () => decide("confirmed"), n: dismiss, a: assign, z: undoLast,
      Y: () => bulkDecide("confirmed"), N: () => bulkDecide("dismissed"),
    });
  }

  document.addEventListener("keydown", (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  for (const button of document.querySelectorAll("#actions [data-key]")) {
    button.addEventListener("click", () => { const action = keys[button.dataset.key]; if (action) action(); });
  }

  renderRecord();
})();
