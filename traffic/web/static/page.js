// Shared by every page: the page's data block, the message catalogue, and JSON requests with the CSRF header.
"use strict";
(function () {
  const block = document.getElementById("page-data");
  const data = block ? JSON.parse(block.textContent) : { messages: {} };

  function t(key, values) {
    let text = data.messages[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.replace("{" + name + "}", value);
    return text;
  }

  // Answers {ok, status, body}; never throws for an HTTP error, so callers can show the server's detail.
  async function request(method, url, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers[data.csrf_header] = data.csrf;
    let response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                    credentials: "same-origin" });
    } catch (error) {
      return { ok: false, status: 0, body: { error: "NetworkError", detail: String(error) } };
    }
    let parsed = null;
    try { parsed = await response.json(); } catch (error) { parsed = null; }
    return { ok: response.ok, status: response.status, body: parsed };
  }

  function say(text, kind) {
    const line = document.getElementById("status-line");
    if (!line) return;
    line.textContent = text;
    line.dataset.kind = kind || "info";
  }

  function typing(event) {
    const target = event.target;
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
  }

  for (const button of document.querySelectorAll("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close("cancel"));
  }

  window.Traffic = { data, t, request, say, typing };
})();
