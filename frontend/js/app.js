// Source: frontend/js/app.js, copied verbatim to static/js/app.js by `npm run build`.
//
// Loaded as <script type="module">, so it only runs in browsers that support
// ES modules, which is exactly GOV.UK Frontend's "supported" test. It replaces
// the inline <script> of the GOV.UK page template (not allowed under our
// Content-Security-Policy: script-src 'self').
import { initAll } from "/static/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();

// Content swapped in by htmx: initialise GOV.UK components inside it.
// (htmx also fires htmx:load for <body> on start-up; initAll() above did that.)
document.addEventListener("htmx:load", (event) => {
  const element = event.detail && event.detail.elt;
  if (element && element !== document.body) {
    initAll({ scope: element });
  }
});

// After htmx swaps in a list (the round tracker's), move focus to its heading, so
// keyboard and screen reader users land on what they asked for.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail && event.detail.target;
  const heading = target && target.querySelector && target.querySelector("[data-focus-on-swap]");
  if (heading) {
    heading.focus();
  }
});
