// Content studio: small progressive enhancements; every page works without them.
"use strict";
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  // Tabs of the entry form: show one panel at a time (the one holding an error first).
  const tabs = Array.from(document.querySelectorAll(".tab"));
  const show = (id) => {
    tabs.forEach((t) => {
      const on = t.dataset.tab === id;
      t.setAttribute("aria-selected", on ? "true" : "false");
      const panel = document.getElementById(t.dataset.tab);
      if (panel) panel.hidden = !on;
    });
  };
  if (tabs.length) {
    const withError = document.querySelector(".tab-panel .has-error");
    show(withError ? withError.closest(".tab-panel").id : tabs[0].dataset.tab);
    tabs.forEach((t) => t.addEventListener("click", () => show(t.dataset.tab)));
  }

  // Forms that ask before they remove something.
  document.querySelectorAll("form.confirm").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm || "Are you sure?")) event.preventDefault();
    });
  });

  // Colour swatches (set through the DOM: the page allows no inline styles).
  document.querySelectorAll(".swatch[data-color]").forEach((s) => { s.style.backgroundColor = s.dataset.color; });

  // Relation pickers: search related entries by title on the server.
  document.querySelectorAll(".picker").forEach((picker) => {
    const search = picker.querySelector(".picker-search");
    const select = picker.querySelector("select");
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const url = picker.dataset.choices + "?q=" + encodeURIComponent(search.value);
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        const { choices } = await response.json();
        const chosen = new Set(Array.from(select.selectedOptions).map((o) => o.value).filter(Boolean));
        const keep = Array.from(select.options).filter((o) => chosen.has(o.value));
        select.replaceChildren();
        if (!select.multiple) select.append(new Option("", ""));
        keep.forEach((o) => select.append(o));
        choices.filter((c) => !chosen.has(c.id)).forEach((c) => select.append(new Option(c.title, c.id)));
        if (!select.multiple && chosen.size === 0 && choices.length === 1) select.value = choices[0].id;
        select.dispatchEvent(new Event("change"));
      }, 200);
    });
  });
});
