// Working without a connection (docs/shop-floor.md §Offline).
// - The service worker (/sw.js) keeps the pages opened and the technician's My work for offline use.
// - A change made on a job screen ([data-in-place]) while offline — or whose answer never came — is
//   kept in IndexedDB with its Idempotency-Key and listed as "waiting to send"; when the connection
//   returns the queue is sent in the order it was made. The server honours the key, so a change sent
//   twice (the first answer lost) is done once. A refusal (the WO was changed or closed meanwhile)
//   stays listed with the reason and what was kept, until the technician discards it.
// Uses newKey() and say() of plantwright-0.1.js, which loads before this file.
(() => {
  const body = document.body;
  const user = body.dataset.user;
  const sw = "serviceWorker" in navigator ? navigator.serviceWorker : null;

  if (!user) {
    // Signed out: pages kept for the last person must not show to the next.
    sw?.getRegistration().then((registration) => registration?.active?.postMessage({ type: "forget" }));
    return;
  }
  sw?.register(body.dataset.sw, { scope: "/" }).catch(() => {}); // needs https (or localhost)

  // My work: keep each of these WO pages, so the whole list opens offline.
  // (and this page itself: it may have come from a sign-in, which the worker did not see.)
  const mine = [...document.querySelectorAll("[data-keep-offline] a[href]")].map((a) => a.getAttribute("href"));
  if (mine.length) mine.push(location.pathname);
  if (sw && mine.length) {
    sw.ready.then((registration) => registration.active?.postMessage({ type: "keep", urls: mine }));
  }

  if (!window.idb) return;
  const db = idb.openDB("plantwright", 1, {
    upgrade(database) {
      database.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
    },
  });
  const box = document.getElementById("pw-outbox");
  const words = box ? box.dataset : {};

  // What a person would call this change: the WO, the button, and the values typed or chosen.
  function describe(form, submitter) {
    const parts = [];
    for (const field of form.elements) {
      if (!field.name || field.type === "hidden" || field.type === "submit" || field.disabled) continue;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) continue;
      let value = field.value;
      if (field.type === "file") value = [...field.files].map((f) => f.name).join(", ");
      if (field.tagName === "SELECT") value = field.selectedOptions[0]?.text || "";
      if (!value) continue;
      const label = field.labels?.[0];
      const name = field.getAttribute("aria-label") || label?.firstChild?.textContent?.trim() || field.name;
      parts.push(`${name}: ${value}`);
    }
    const action = (submitter?.textContent || form.querySelector("[type=submit]")?.textContent || "").trim();
    const where = document.title.split(" · ")[0];
    return { label: `${where} · ${action}`, summary: parts.join("; ") };
  }

  async function keep(form, config, submitter) {
    const fields = [];
    for (const [name, value] of config.formData.entries()) {
      if (name !== "csrfmiddlewaretoken") fields.push([name, value]);
    }
    const { label, summary } = describe(form, submitter);
    const entry = {
      user, url: new URL(config.path, location.href).href, page: location.pathname,
      key: config.headers["Idempotency-Key"] || newKey(), fields, label, summary,
      at: Date.now(), state: "waiting", reason: "",
    };
    await (await db).add("queue", entry);
    form.reset();
    if (words.queued) say(words.queued, false);
    await show();
  }

  // A change from a job screen that cannot go now is kept instead.
  function inPlaceChange(event) {
    const config = event.detail.requestConfig;
    return config && config.verb !== "get" && event.detail.elt.closest("[data-in-place]") ? config : null;
  }
  document.addEventListener("htmx:beforeRequest", (event) => {
    const config = inPlaceChange(event);
    if (!config || navigator.onLine) return;
    event.preventDefault();
    keep(event.detail.elt, config, config.triggeringEvent?.submitter);
  });
  document.addEventListener("htmx:sendError", (event) => {
    const config = inPlaceChange(event);
    // The request may have arrived and only its answer been lost: the same key makes the resend safe.
    if (config) keep(event.detail.elt, config, config.triggeringEvent?.submitter);
  });

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  async function reasonOf(response) {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const found = page.querySelector(
      "#transition-error, .errorlist li, #job [role=alert], #pw-messages .pw-error, main article p",
    );
    return (found?.textContent || `${response.status} ${response.statusText}`).trim();
  }

  let sending = false;
  async function send() {
    if (sending || !navigator.onLine) return;
    sending = true;
    let sent = 0;
    const pages = new Set();
    try {
      const store = await db;
      const waiting = (await store.getAll("queue")).filter((e) => e.user === user && e.state === "waiting");
      for (const entry of waiting) {
        const form = new FormData();
        for (const [name, value] of entry.fields) form.append(name, value);
        let response;
        try {
          response = await fetch(entry.url, {
            method: "POST", body: form, credentials: "same-origin",
            headers: { "X-CSRFToken": csrfToken(), "Idempotency-Key": entry.key, "HX-Request": "true" },
          });
        } catch (error) {
          break; // still no connection: the rest waits, in order
        }
        if (new URL(response.url).pathname.startsWith("/login/") || response.status === 401) {
          await store.put("queue", { ...entry, state: "signin", reason: words.signin });
          break;
        }
        if (response.ok) {
          await store.delete("queue", entry.id);
          sent += 1;
          pages.add(entry.page);
        } else if (response.status >= 400 && response.status < 500) {
          await store.put("queue", { ...entry, state: "conflict", reason: await reasonOf(response) });
          pages.add(entry.page);
        } else {
          break; // the server is unwell: try again later
        }
      }
    } finally {
      sending = false;
    }
    if (sent && words.sent) say(words.sent, false);
    if (pages.has(location.pathname) && document.getElementById("job") && window.htmx) {
      htmx.ajax("GET", location.href, { target: "#job", select: "#job", swap: "outerHTML" });
    }
    await show();
  }

  async function show() {
    if (!box) return;
    const entries = (await (await db).getAll("queue")).filter((e) => e.user === user);
    box.hidden = !entries.length;
    if (!entries.length) {
      box.replaceChildren();
      return;
    }
    const heading = Object.assign(document.createElement("h3"), { textContent: `${words.title} (${entries.length})` });
    const list = document.createElement("ul");
    for (const entry of entries) {
      const item = document.createElement("li");
      item.className = `pw-queued pw-queued-${entry.state}`;
      item.append(Object.assign(document.createElement("strong"), { textContent: entry.label }));
      if (entry.summary) item.append(" — ", entry.summary);
      const state = document.createElement("div");
      if (entry.state === "waiting") state.textContent = words.waiting;
      else if (entry.state === "signin") state.textContent = words.signin;
      else state.textContent = `${words.conflict} ${entry.reason} ${words.kept} ${entry.summary || entry.label}`;
      item.append(state);
      if (entry.state !== "waiting") {
        const discard = Object.assign(document.createElement("button"), {
          type: "button", className: "secondary outline", textContent: words.discard,
        });
        discard.addEventListener("click", async () => {
          await (await db).delete("queue", entry.id);
          await show();
        });
        item.append(discard);
      }
      list.append(item);
    }
    const again = Object.assign(document.createElement("button"), { type: "button", textContent: words.send });
    again.addEventListener("click", async () => {
      const store = await db;
      for (const entry of await store.getAll("queue")) {
        if (entry.user === user && entry.state === "signin") await store.put("queue", { ...entry, state: "waiting" });
      }
      await send();
    });
    box.replaceChildren(heading, list, again);
  }

  window.addEventListener("online", send);
  setInterval(send, 30000);
  show().then(send);
})();
