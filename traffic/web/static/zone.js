// A camera's zone: click points on its latest frame; the polygon is saved normalised (0..1) through the cameras API.
"use strict";
(function () {
  const { data, t, request, say } = window.Traffic;
  const canvas = document.getElementById("zone-canvas");
  const shape = document.getElementById("zone-shape");
  const points = (data.zone || []).map((p) => [p[0], p[1]]);
  const round = (value) => Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000;

  function draw() {
    if (shape) shape.setAttribute("points", points.map((p) => p.join(",")).join(" "));
    document.getElementById("zone-points").textContent = t("js.zone_points", { count: points.length });
  }

  if (canvas) {
    canvas.addEventListener("click", (event) => {
      const box = canvas.getBoundingClientRect();
      points.push([round((event.clientX - box.left) / box.width), round((event.clientY - box.top) / box.height)]);
      draw();
    });
  }
  document.getElementById("zone-undo").addEventListener("click", () => { points.pop(); draw(); });
  document.getElementById("zone-clear").addEventListener("click", () => { points.length = 0; draw(); });
  document.getElementById("zone-save").addEventListener("click", async () => {
    if (points.length > 0 && points.length < 3) { say(t("js.zone_too_few"), "error"); return; }
    const url = `/api/v1/cameras/${encodeURIComponent(data.camera)}`;
    const current = await request("GET", url);
    if (!current.ok) { say(t("js.failed", { detail: (current.body || {}).detail || current.status }), "error"); return; }
    const saved = await request("PUT", url, { ...current.body, zone: points.length ? points : null });
    if (!saved.ok) { say(t("js.failed", { detail: (saved.body || {}).detail || saved.status }), "error"); return; }
    say(t("js.zone_saved", { count: points.length }), "ok");
  });
  draw();
})();
