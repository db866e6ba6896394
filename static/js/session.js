// Source: frontend/js/session.js, copied verbatim to static/js/session.js by `npm run build`.
//
// 1. Drafts: the text areas of every form marked `data-keep-draft` are kept in this
//    tab's sessionStorage as they are typed. If the session ended before the form was
//    sent, the draft is put back when the user returns to the form after signing in.
//    A draft that was sent is put back only on arriving from the sign-in page (the
//    send was refused for want of a session); anywhere else it went through, and is
//    dropped.
// 2. Warning: two minutes before the session ends (the page says how long is left in
//    <body data-session-seconds-left>), a banner says so, with "Stay signed in" where
//    activity can extend it. When the time is up the page is opened again, which signs
//    out and shows the sign-in page (nothing is left on screen at an unattended desk).
(() => {
  "use strict";

  const WARN_SECONDS = 120;
  const PREFIX = "keep-draft:";
  const body = document.body;
  const started = Date.now();

  function store() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null;
    }
  }

  function draftKey(form) {
    const target = new URL(form.action || window.location.href, window.location.href);
    const forms = Array.from(document.querySelectorAll("form[data-keep-draft]"));
    return `${PREFIX}${target.pathname}#${forms.indexOf(form)}`;
  }

  function textareas(form) {
    return Array.from(form.querySelectorAll("textarea[name]"));
  }

  function saveDraft(form, sent) {
    const storage = store();
    if (!storage) return;
    const values = {};
    for (const field of textareas(form)) {
      if (field.value !== field.defaultValue) values[field.name] = field.value;
    }
    const key = draftKey(form);
    if (Object.keys(values).length) {
      storage.setItem(key, JSON.stringify({ saved: Date.now(), sent: Boolean(sent), values }));
    } else {
      storage.removeItem(key);
    }
  }

  function cameFromSignIn() {
    const signIn = body.dataset.signInUrl;
    if (!signIn || !document.referrer) return false;
    try {
      return new URL(document.referrer).pathname === signIn;
    } catch (error) {
      return false;
    }
  }

  function notice(form, text) {
    const box = document.createElement("div");
    box.className = "govuk-inset-text";
    box.setAttribute("role", "status");
    box.textContent = text;
    form.parentNode.insertBefore(box, form);
  }

  function restoreDraft(form) {
    const storage = store();
    if (!storage) return;
    let draft = null;
    try {
      draft = JSON.parse(storage.getItem(draftKey(form)) || "null");
    } catch (error) {
      draft = null;
    }
    if (!draft || !draft.values) return;
    if (draft.sent && !cameFromSignIn()) {
      storage.removeItem(draftKey(form));
      return;
    }
    let restored = 0;
    for (const field of textareas(form)) {
      const value = draft.values[field.name];
      // Only into a field still as the server sent it: never over new typing.
      if (typeof value === "string" && field.value === field.defaultValue && value !== field.value) {
        field.value = value;
        restored += 1;
      }
    }
    if (restored) {
      notice(
        form,
        "We put back what you had typed before you were signed out. Check it, then send the form.",
      );
    }
  }

  function keepDrafts() {
    for (const form of document.querySelectorAll("form[data-keep-draft]")) {
      restoreDraft(form);
      form.addEventListener("input", () => saveDraft(form));
      // Kept, marked sent: if the session had ended (here or in another tab), the
      // server answers with the sign-in page and the draft comes back after it.
      form.addEventListener("submit", () => saveDraft(form, true));
    }
  }

  // The warning -------------------------------------------------------------
  let banner = null;
  let timers = [];

  function clearTimers() {
    for (const timer of timers) window.clearTimeout(timer);
    timers = [];
  }

  function hideBanner() {
    if (banner) banner.hidden = true;
  }

  function showBanner(ends) {
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "govuk-notification-banner";
      banner.setAttribute("role", "alert");
      banner.setAttribute("aria-labelledby", "session-warning-title");
      banner.innerHTML =
        '<div class="govuk-notification-banner__header">' +
        '<h2 class="govuk-notification-banner__title" id="session-warning-title">Important</h2>' +
        "</div>" +
        '<div class="govuk-notification-banner__content">' +
        '<p class="govuk-notification-banner__heading" data-session-text></p>' +
        '<button type="button" class="govuk-button govuk-button--secondary" data-session-stay>Stay signed in</button>' +
        "</div>";
      banner.querySelector("[data-session-stay]").addEventListener("click", staySignedIn);
      const main = document.getElementById("main-content") || body;
      main.insertBefore(banner, main.firstChild);
    }
    const text = banner.querySelector("[data-session-text]");
    const stay = banner.querySelector("[data-session-stay]");
    if (ends === "max") {
      text.textContent =
        "You will be signed out in 2 minutes: a session lasts a fixed time after signing in. Anything you are typing in a form is kept in this browser.";
      stay.hidden = true;
    } else {
      text.textContent =
        "You will be signed out in 2 minutes because nothing has happened for a while. Anything you are typing in a form is kept in this browser.";
      stay.hidden = false;
    }
    banner.hidden = false;
  }

  function schedule(secondsLeft, ends) {
    clearTimers();
    hideBanner();
    const warnIn = Math.max(0, (secondsLeft - WARN_SECONDS) * 1000);
    timers.push(window.setTimeout(() => showBanner(ends), warnIn));
    // A moment after the end, so the server agrees the time is up.
    timers.push(window.setTimeout(reopen, secondsLeft * 1000 + 2000));
  }

  function reopen() {
    // A GET of this page (never a repeated POST): the server signs out and says why.
    window.location.assign(window.location.href);
  }

  function staySignedIn() {
    const url = body.dataset.sessionUrl;
    if (!url) return;
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response)))
      .then((status) => schedule(status.seconds_left, status.ends))
      .catch(reopen);
  }

  keepDrafts();
  const left = Number.parseInt(body.dataset.sessionSecondsLeft || "", 10);
  if (!Number.isNaN(left)) {
    schedule(Math.max(0, left - Math.round((Date.now() - started) / 1000)), body.dataset.sessionEnds);
  }
})();
