// Server-rendered pages update in place: fetch the same URL, parse it, and swap <main> (plus the few header
// parts marked data-live-part) without a navigation. The server's HTML is already escaped; nothing here
// builds markup from strings. Open <details> panels stay open (by ticket) and the scroll position stays put.

// The markup of <main> as the server last rendered it (modules run once the document is parsed), so a
// reload that changes nothing touches nothing.
let shown = document.getElementById("main")?.innerHTML ?? null;

function openPanels(main) {
  const keys = new Set();
  for (const details of main.querySelectorAll("details[open]")) {
    const key = details.closest("[data-ticket]")?.dataset.ticket ?? details.id;
    if (key) keys.add(key);
  }
  return keys;
}

function reopen(main, keys) {
  for (const key of keys) {
    const row = main.querySelector(`[data-ticket="${CSS.escape(key)}"]`);
    const details = row ? row.querySelector("details") : main.querySelector(`details#${CSS.escape(key)}`);
    if (details) details.open = true;
  }
}

// A selector for the focused element inside main, to find its twin after the swap (keyboard users keep their place).
function focusedSelector(main) {
  const active = document.activeElement;
  if (!active || active === main || !main.contains(active)) return null;
  const row = active.closest("[data-ticket]");
  const scope = row ? `[data-ticket="${CSS.escape(row.dataset.ticket)}"] ` : "";
  const href = active.getAttribute("href");
  if (href !== null) return `${scope}a[href="${CSS.escape(href)}"]`;
  if (active.id) return `#${CSS.escape(active.id)}`;
  return row && active.tagName === "SUMMARY" ? `${scope}summary` : null;
}

function swapParts(doc) {
  for (const fresh of doc.querySelectorAll("[data-live-part]")) {
    if (fresh.closest("#main")) continue; // swapped with <main>
    const name = CSS.escape(fresh.dataset.livePart);
    const current = document.querySelector(`[data-live-part="${name}"]`);
    if (current && !current.isEqualNode(fresh)) current.replaceWith(document.adoptNode(fresh));
  }
}

// Put the parsed page doc in place of this one's data; false when doc is not the same kind of page.
export function swapPage(doc) {
  const main = document.getElementById("main");
  const fresh = doc.getElementById("main");
  if (!main || !fresh || fresh.className !== main.className) return false;
  swapParts(doc);
  if (fresh.innerHTML === shown) return true;
  shown = fresh.innerHTML;
  const open = openPanels(main);
  const focused = focusedSelector(main);
  const { scrollX, scrollY } = window;
  main.replaceChildren(...[...fresh.childNodes].map((node) => document.adoptNode(node)));
  reopen(main, open);
  if (focused) main.querySelector(focused)?.focus({ preventScroll: true });
  window.scrollTo(scrollX, scrollY);
  return true;
}

// GET this page again and swap it in. A sign-out (redirect), an error page or no answer leaves the page as it
// is: the next event tries again.
export async function reloadPage() {
  let response;
  try {
    response = await fetch(window.location.href, {
      headers: { Accept: "text/html" },
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    return false;
  }
  if (!response.ok || response.redirected) return false;
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  return swapPage(doc);
}
