/* The portal's small behaviours on top of unfold. */
"use strict";

/* A form marked data-submit-once sends once: a double click or a second
   Enter does not post it again (the server also refuses a second POST of
   the same form token). */
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-submit-once]")) return;
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  // Disabled after this event so the clicked button's name is still sent.
  setTimeout(() => {
    for (const button of form.querySelectorAll("button[type=submit]")) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
  });
});

/* A page back from the browser's cache may be sent again. */
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll("form[data-submit-once]")) {
    delete form.dataset.sent;
    for (const button of form.querySelectorAll("button[type=submit]")) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
});

/* The issue form shows the next numbers of the chosen series only (every
   series' preview shows without the script). */
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("[data-testid=bulk-issue-form] #id_series");
  const rows = document.querySelectorAll("[data-series-preview]");
  if (!select || !rows.length) return;
  const show = () => {
    for (const row of rows) row.hidden = row.dataset.seriesPreview !== select.value;
  };
  select.addEventListener("change", show);
  show();
});

/* A running batch's progress bar follows the batch without a reload: it
   polls the batch's progress URL every 2 s until the batch is finished. */
function followBatch(element) {
  const bar = element.querySelector(".tn-bar span");
  const done = element.querySelector("[data-done]");
  const status = document.querySelector('[data-testid="batch-state"]');
  const poll = async () => {
    let data;
    try {
      const response = await fetch(element.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(response.status);
      data = await response.json();
    } catch {
      setTimeout(poll, 5000);
      return;
    }
    bar.style.width = `${data.percent}%`;
    done.textContent = data.done_text;
    element.dataset.state = data.state;
    if (status) status.textContent = data.label;
    if (data.finished) {
      window.location.reload(); // the page's actions follow the new state
    } else {
      setTimeout(poll, 2000);
    }
  };
  setTimeout(poll, 2000);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("[data-progress-url]")) {
    followBatch(element);
  }
});

/* The series form shows the chosen scheme's format fields only; the server
   refuses the others (services.series_save). */
document.addEventListener("DOMContentLoaded", () => {
  const scheme = document.querySelector("select[data-scheme-fields]");
  if (!scheme) return;
  const fieldsOf = JSON.parse(scheme.dataset.schemeFields);
  const all = new Set(Object.values(fieldsOf).flat());
  const show = () => {
    const wanted = new Set(fieldsOf[scheme.value] || []);
    for (const name of all) {
      const row = document.querySelector(`.field-${name}`)?.closest(".field-row");
      if (row) row.hidden = !wanted.has(name);
    }
  };
  scheme.addEventListener("change", show);
  show();
});

/* The series form previews the first number as staff type. */
document.addEventListener("DOMContentLoaded", () => {
  const scheme = document.querySelector("select[data-preview-url]");
  if (!scheme) return;
  const form = scheme.form;
  const shown = document.createElement("p");
  shown.dataset.testid = "series-draft-preview";
  shown.className = "tn-muted tn-draft-preview";
  scheme.closest(".field-row").after(shown);
  let timer;
  const update = async () => {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
        query.append(name, value);
      }
    }
    try {
      const response = await fetch(`${scheme.dataset.previewUrl}?${query}`, {
        credentials: "same-origin",
      });
      const data = await response.json();
      if (data.first) {
        shown.textContent = data.scrambled
          ? `Numbers look like ${data.first}, in an order that cannot be guessed.`
          : `First number: ${data.first}`;
      } else {
        shown.textContent = `No preview yet: ${Object.values(data.errors || {}).join(" ")}`;
      }
    } catch {
      shown.textContent = "";
    }
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  });
  form.addEventListener("change", update);
  update();
});
