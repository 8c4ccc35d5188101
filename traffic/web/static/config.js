// A configuration form: fill it from an item, send it to the API's create or replace route, preview rule changes.
"use strict";
(function () {
  const { data, t, request, say } = window.Traffic;
  const form = document.getElementById("config-form");
  const title = document.getElementById("form-title");
  const DAY_KINDS = ["all", "workdays", "rest_days"];
  let editingKey = null;

  function controls(name) { return [...form.querySelectorAll(`[name="${name}"]`)]; }

  function fill(item) {
    form.reset();
    for (const f of data.fields) {
      const value = item ? item[f.name] : null;
      const [first] = controls(f.name);
      if (f.widget === "checkbox") first.checked = item ? Boolean(value) : f.name === "enabled";
      else if (f.widget === "checks") for (const box of controls(f.name)) box.checked = (value || []).includes(box.value);
      else if (f.widget === "json") first.value = value === null || value === undefined ? "" : JSON.stringify(value);
      else if (f.widget === "days") first.value = Array.isArray(value) ? value.join(",") : (value || "all");
      else first.value = value === null || value === undefined ? "" : value;
    }
    editingKey = item ? String(item[data.key_field]) : null;
    title.textContent = item ? `${title.dataset.editing} ${editingKey}` : title.dataset.new;
    refreshPreview();
  }

  function collect() {
    const body = {};
    for (const f of data.fields) {
      const [first] = controls(f.name);
      if (f.widget === "checkbox") body[f.name] = first.checked;
      else if (f.widget === "checks") body[f.name] = controls(f.name).filter((b) => b.checked).map((b) => b.value);
      else if (f.widget === "json") body[f.name] = first.value.trim() ? JSON.parse(first.value) : null;
      else if (f.widget === "days") {
        const text = first.value.trim() || "all";
        body[f.name] = DAY_KINDS.includes(text) ? text : text.split(",").map((d) => d.trim()).filter(Boolean);
      } else if (f.widget === "number") body[f.name] = first.value === "" ? null : Number(first.value);
      else body[f.name] = first.value === "" ? null : first.value;
    }
    return body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let body;
    try { body = collect(); } catch (error) { say(t("js.bad_json", { detail: String(error.message) }), "error"); return; }
    const url = editingKey === null ? data.api : `${data.api}/${encodeURIComponent(editingKey)}`;
    const result = await request(editingKey === null ? "POST" : "PUT", url, body);
    if (!result.ok) { say(t("js.failed", { detail: (result.body || {}).detail || result.status }), "error"); return; }
    window.location.reload();
  });
  document.getElementById("config-new").addEventListener("click", () => fill(null));
  for (const button of document.querySelectorAll("[data-edit]")) {
    button.addEventListener("click", () => { fill(data.items[Number(button.dataset.edit)]); form.querySelector("input, select, textarea").focus(); });
  }

  async function refreshPreview() {
    if (!data.preview) return;
    let body;
    try { body = collect(); } catch (error) { return; }
    const result = await request("POST", data.preview, body);
    if (!result.ok) return;
    for (const dd of document.querySelectorAll("#rule-preview [data-preview]")) {
      const pairs = dd.dataset.preview.split(" ").flatMap((name) => result.body[name]);
      dd.textContent = pairs.length ? pairs.map(([code, name]) => `${name}（${code}）`).join("、") : t("js.none");
    }
  }
  form.addEventListener("change", refreshPreview);
  fill(null);
})();
