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

// Each panorama's vehicle box, in the image's pixels, placed in percent of the image once its size is known, so it
// stays on the vehicle at any displayed size; the image itself is the evidence file, unchanged.
(function () {
  function place(box) {
    const image = box.parentElement.querySelector("img");
    const [x1, y1, x2, y2] = box.dataset.box.split(" ").map(Number);
    const show = () => {
      const width = image.naturalWidth, height = image.naturalHeight;
      if (!width || !height) return;
      box.style.left = (100 * x1 / width) + "%";
      box.style.top = (100 * y1 / height) + "%";
      box.style.width = (100 * (x2 - x1) / width) + "%";
      box.style.height = (100 * (y2 - y1) / height) + "%";
      box.hidden = false;
    };
    if (image.complete) show(); else image.addEventListener("load", show);
  }
  for (const box of document.querySelectorAll(".vehicle-box[data-box]")) place(box);
})();
