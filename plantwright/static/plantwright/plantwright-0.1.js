// Behaviour that would otherwise be inline (the Content-Security-Policy allows no inline script).
// Loaded in <head> without `defer`, so the page never shows the phone menu open before it folds.
document.documentElement.classList.add("pw-js");

// A <select data-autosubmit> sends its form as soon as a choice is made (site pickers).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]") && event.target.form) {
    event.target.form.requestSubmit();
  }
});

// The phone menu: one button folds the menu open and shut.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".pw-menu-button");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("pw-open", open);
});

// Tables read as labelled cards on a phone: each cell learns its column's heading, and cells that
// hold a number (or an amount, or hours) are marked so a wide screen right-aligns them.
const NUMBER = /^[-−+]?[\d\s.,]*\d(\s?(%|h|[A-Z]{3}))?$/;
function labelTables(root) {
  for (const table of root.querySelectorAll("table")) {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!headings.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, n) => {
        if (headings[n] && !cell.hasAttribute("colspan")) cell.dataset.label = headings[n];
        if (NUMBER.test(cell.textContent.trim())) {
          cell.classList.add("pw-num");
          table.querySelectorAll("thead th")[n]?.classList.add("pw-num");
        }
      });
    }
  }
}
document.addEventListener("DOMContentLoaded", () => labelTables(document));
document.addEventListener("htmx:afterSwap", (event) => labelTables(event.target));

// Type-ahead for long pickers (the asset of a request or a WO): a search field above the <select
// data-searchable="placeholder"> keeps only the options holding every word typed (code, name, place;
// in the page's language's lower case, so Turkish İ/ı match) and picks the first of them.
function searchable(root) {
  const lang = document.documentElement.lang || undefined;
  for (const select of root.querySelectorAll("select[data-searchable]:not([data-search-ready])")) {
    select.dataset.searchReady = "";
    const input = document.createElement("input");
    input.type = "search";
    input.className = "pw-search";
    input.autocomplete = "off";
    input.placeholder = select.dataset.searchable;
    input.setAttribute("aria-label", select.dataset.searchable);
    // Outside the select's <label>, so the label still names the select.
    (select.closest("label") || select).before(input);
    input.addEventListener("input", () => {
      const words = input.value.toLocaleLowerCase(lang).split(/\s+/).filter(Boolean);
      let first = null;
      for (const option of select.options) {
        if (!option.value) continue;
        const hit = words.every((word) => option.text.toLocaleLowerCase(lang).includes(word));
        option.hidden = !hit;
        if (hit && !first) first = option;
      }
      if (first && words.length) select.value = first.value;
    });
  }
}
document.addEventListener("DOMContentLoaded", () => searchable(document));
document.addEventListener("htmx:afterSwap", (event) => searchable(event.target));

// A job screen ([data-in-place], the WO page) saves every form in place: the answer's #job replaces
// ours, its messages become a toast, and the page stays where the thumb was. An answer without a
// #job (a refusal page) becomes a message; one that left for another page (signed out) is followed.
const IN_PLACE_FORMS = "[data-in-place] form[method=post]:not([hx-post])";
function inPlace(root) {
  if (!root.querySelectorAll) return;
  const forms = [...root.querySelectorAll(IN_PLACE_FORMS)];
  if (root.matches(IN_PLACE_FORMS)) forms.push(root);
  for (const form of forms) {
    form.setAttribute("hx-post", form.getAttribute("action"));
    form.setAttribute("hx-target", "#job");
    form.setAttribute("hx-select", "#job");
    form.setAttribute("hx-swap", "outerHTML");
    form.setAttribute("hx-select-oob", "#pw-messages");
    form.setAttribute("hx-disabled-elt", "find [type=submit]");
  }
}
document.addEventListener("htmx:beforeProcessNode", (event) => inPlace(event.target));

let toastTimer = null;
function toast() {
  const box = document.getElementById("pw-messages");
  if (!box || !box.children.length) return;
  box.classList.add("pw-toast");
  clearTimeout(toastTimer);
  if (!box.querySelector(".pw-error")) toastTimer = setTimeout(() => box.replaceChildren(), 6000);
}
function say(text, isError) {
  const box = document.getElementById("pw-messages");
  const article = document.createElement("article");
  article.setAttribute("role", isError ? "alert" : "status");
  article.className = "pw-message" + (isError ? " pw-error" : "");
  article.append(Object.assign(document.createElement("strong"), { textContent: text }));
  box.replaceChildren(article);
  toast();
}
document.addEventListener("htmx:beforeSwap", (event) => {
  const { target, xhr } = event.detail;
  if (target?.id !== "job" || xhr.responseText.includes('id="job"')) return;
  event.detail.shouldSwap = false;
  if (xhr.status < 400) {
    window.location.assign(xhr.responseURL);
    return;
  }
  const answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
  say(answer.querySelector("main article p")?.textContent || `${xhr.status} ${xhr.statusText}`, true);
});
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.target.id === "job") toast();
});

// Every change sent by htmx carries an Idempotency-Key, so a request the network repeats books once.
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.verb !== "get" && !event.detail.headers["Idempotency-Key"]) {
    event.detail.headers["Idempotency-Key"] = newKey();
  }
});

// "+ Add a line" on a Django formset (a parts request): a copy of <template id="<prefix>-empty">,
// numbered after the last line; without script the form still has its one blank line.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-formset-add]")) button.hidden = false;
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-formset-add]");
  if (!button) return;
  const prefix = button.dataset.formsetAdd;
  const total = document.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const most = Number(document.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`)?.value || 1000);
  const count = Number(total.value);
  if (count >= most) return;
  const lines = document.getElementById(prefix);
  const empty = document.getElementById(`${prefix}-empty`).innerHTML;
  lines.insertAdjacentHTML("beforeend", empty.replaceAll("__prefix__", String(count)));
  const line = lines.lastElementChild;
  line.querySelector("legend")?.append(String(count + 1));
  total.value = String(count + 1);
  searchable(line);
  line.querySelector("input:not([type=hidden]), select")?.focus();
  button.hidden = count + 1 >= most;
});
