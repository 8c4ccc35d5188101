// The record page's actions: each one a lifecycle step; the page reloads to show the new state and audit entry.
"use strict";
(function () {
  const { data, t, say } = window.Traffic;
  const D = window.Decisions;
  const record = data.record;

  async function gather(action) {
    if (action === "confirm") return ["confirmed", {}];
    if (action === "dismiss") { const f = await D.askDismissal(); return f && ["dismissed", f]; }
    if (action === "assign" || action === "reassign") { const f = await D.askAssignment(); return f && ["assigned", f]; }
    if (action === "act") { const f = await D.askAction(); return f && ["actioned", f]; }
    if (action === "close") return ["closed", {}];
    if (action === "reopen") {
      const reason = window.prompt(t("js.reopen_reason"));
      return reason && reason.trim() ? ["pending_review", { reason: reason.trim() }] : null;
    }
    return null;
  }

  async function run(action) {
    const step = await gather(action);
    if (!step) return;
    const [to, fields] = step;
    if (action === "assign" && record.status === "pending_review") {
      const confirmed = await D.transition(record, "confirmed", {});
      if (!confirmed.ok) { say(D.explain(confirmed), "error"); return; }
      record.version = confirmed.body.version;
    }
    const result = await D.transition(record, to, fields);
    if (!result.ok) {
      say(D.explain(result), "error");
      if (result.status === 409) window.setTimeout(() => window.location.reload(), 1500);
      return;
    }
    window.location.reload();
  }

  for (const button of document.querySelectorAll("#actions [data-action]")) {
    button.addEventListener("click", () => run(button.dataset.action));
  }
})();
