// The statutory returns page: while a return is being produced, the list of returns is
// fetched again every few seconds, so its progress bar moves and the download link
// appears when it is done. Progressive enhancement: without JavaScript the page says to
// refresh it.
const list = document.getElementById("return-jobs");
const EVERY_MS = 2000;

async function refresh() {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (response.ok) {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("return-jobs");
      if (fresh) {
        list.replaceChildren(...fresh.childNodes);
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
