// Decisions through the lifecycle API (one record, bulk, undo) and the dialogs that gather what a step needs.
"use strict";
(function () {
  const { t, request } = window.Traffic;
  const RECORDS = "/api/v1/records";

  function transition(record, to, fields) {
    return request("POST", `${RECORDS}/${record.id}/transitions`, Object.assign({ to, version: record.version }, fields));
  }

  function bulk(records, to, fields) {
    const items = records.map((r) => ({ id: r.id, version: r.version }));
    return request("POST", `${RECORDS}/transitions`, Object.assign({ items, to }, fields));
  }

  function undo(record) {
    return request("POST", `${RECORDS}/${record.id}/undo`, { version: record.version });
  }

  function explain(result) {
    const body = result.body || {};
    if (result.status === 409) return t("js.stale", { detail: body.detail || "" });
    if (result.status === 403) return t("js.forbidden", { detail: body.detail || "" });
    if (result.status === 404 && body.error === "NotFound" && !body.detail) return t("js.not_available");
    return t("js.failed", { detail: body.detail || body.error || result.status });
  }

  // The reason picker: a digit picks reason n (1 = false detection), Enter submits; "other" needs a note.
  function askDismissal() {
    const dialog = document.getElementById("dismiss-dialog");
    const form = document.getElementById("dismiss-form");
    const note = document.getElementById("dismiss-note");
    const typeField = document.getElementById("corrected-type-field");
    const error = document.getElementById("dismiss-error");
    form.reset();
    error.hidden = true;
    typeField.hidden = true;
    return new Promise((resolve) => {
      const chosen = () => form.querySelector("input[name=reason]:checked").value;
      const onChange = () => { typeField.hidden = chosen() !== "wrong_vehicle_type"; };
      const onKey = (event) => {
        if (event.target === note) return;
        const radio = form.querySelector(`input[data-digit="${event.key}"]`);
        if (radio) { radio.checked = true; radio.focus(); onChange(); event.preventDefault(); }
        else if (event.key === "Enter" && event.target.tagName !== "BUTTON") { event.preventDefault(); form.requestSubmit(form.querySelector("button[value=submit]")); }
      };
      const onSubmit = (event) => {
        const reason = chosen();
        if (reason === "other" && !note.value.trim()) {
          event.preventDefault();
          error.textContent = t("js.other_needs_note");
          error.hidden = false;
          note.focus();
        }
      };
      const onClose = () => {
        dialog.removeEventListener("keydown", onKey);
        form.removeEventListener("change", onChange);
        form.removeEventListener("submit", onSubmit);
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue !== "submit") return resolve(null);
        const fields = { reason: chosen() };
        if (note.value.trim()) fields.note = note.value.trim();
        const corrected = document.getElementById("corrected-type").value;
        if (fields.reason === "wrong_vehicle_type" && corrected) fields.vehicle_type = corrected;
        resolve(fields);
      };
      dialog.addEventListener("keydown", onKey);
      form.addEventListener("change", onChange);
      form.addEventListener("submit", onSubmit);
      dialog.addEventListener("close", onClose);
      dialog.returnValue = "";
      dialog.showModal();
      form.querySelector("input[name=reason]:checked").focus();
    });
  }

  function askAssignment() {
    const dialog = document.getElementById("assign-dialog");
    const due = document.getElementById("assign-due");
    if (!due.value) {
      const inAWeek = new Date(Date.now() + 7 * 86400000);
      due.value = inAWeek.toISOString().slice(0, 10);
    }
    document.getElementById("assign-error").hidden = true;
    return new Promise((resolve) => {
      const onClose = () => {
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue !== "submit") return resolve(null);
        resolve({ unit: document.getElementById("assign-unit").value, due_date: due.value });
      };
      dialog.addEventListener("close", onClose);
      dialog.returnValue = "";
      dialog.showModal();
      document.getElementById("assign-unit").focus();
    });
  }

  // Recording what was done about an assigned record: the action taken and a note, both needed.
  function askAction() {
    const dialog = document.getElementById("act-dialog");
    const note = document.getElementById("act-note");
    const error = document.getElementById("act-error");
    document.getElementById("act-form").reset();
    error.hidden = true;
    return new Promise((resolve) => {
      const onSubmit = (event) => {
        if (!note.value.trim()) {
          event.preventDefault();
          error.textContent = t("js.note_needed");
          error.hidden = false;
          note.focus();
        }
      };
      const form = document.getElementById("act-form");
      const onClose = () => {
        form.removeEventListener("submit", onSubmit);
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue !== "submit") return resolve(null);
        resolve({ action_taken: document.getElementById("act-taken").value, note: note.value.trim() });
      };
      form.addEventListener("submit", onSubmit);
      dialog.addEventListener("close", onClose);
      dialog.returnValue = "";
      dialog.showModal();
      document.getElementById("act-taken").focus();
    });
  }

  window.Decisions = { transition, bulk, undo, explain, askDismissal, askAssignment, askAction };
})();
