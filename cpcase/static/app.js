// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "/static/govuk-frontend.min.js";

initAll();

// Warn before a long form is lost to an expired session: two minutes before the
// session ends, say so, so the worker can save a draft.
const expiry = document.querySelector("[data-session-seconds]");
if (expiry) {
  const seconds = Number(expiry.dataset.sessionSeconds);
  const warning = document.getElementById("session-warning");
  if (seconds > 120 && warning) {
    setTimeout(() => { warning.hidden = false; warning.focus(); }, (seconds - 120) * 1000);
  }
}
