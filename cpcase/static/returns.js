// The statutory returns page: while a return is being produced, the list of returns is
// fetched again every few seconds, so its progress bar moves and the download link
// appears when it is done; a screen reader is told when one finishes. Progressive
// enhancement: without JavaScript the page says to refresh it.
const list = document.getElementById("return-jobs");
const status = document.getElementById("return-jobs-status");
const EVERY_MS = 2000;

function states(root) {
  const found = new Map();
  for (const row of root.querySelectorAll("[data-job]")) {
    found.set(row.dataset.job, row);
  }
  return found;
}

function announce(before, after) {
  const finished = [];
  for (const [job, row] of after) {
    const was = before.get(job);
    if (was && ["queued", "running"].includes(was.dataset.status) && row.dataset.status !== was.dataset.status) {
      const name = row.querySelector("th").textContent.trim();
      finished.push(row.dataset.status === "done" ? `${name}: ready to download.` : `${name}: failed.`);
    }
  }
  if (finished.length && status) {
    status.textContent = finished.join(" ");
  }
}

async function refresh() {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (response.ok) {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("return-jobs");
      if (fresh && fresh.innerHTML !== list.innerHTML) {
        const before = states(list);
        list.replaceChildren(...fresh.childNodes);
        announce(before, states(list));
      }
    }
  } finally {
    if (list.querySelector("[data-running]")) {
      setTimeout(refresh, EVERY_MS);
    }
  }
}

if (list && list.querySelector("[data-running]")) {
  setTimeout(refresh, EVERY_MS);
}
