// Settings and the set-up wizard: "Test connection" on a source form, and the first sync's live progress.
// Both read JSON from /api/settings; the forms themselves work without this script.
import { t } from "./i18n.js";

const POLL_MS = 1000;

function rootOf(element) {
  return element.dataset.root || "";
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    cache: "no-store",
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    // not JSON: reported below
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : `${response.status} ${response.statusText}`;
    return { ok: false, message: detail };
  }
  return data;
}

function initTestButton(form) {
  const button = form.querySelector("[data-test-connection]");
  const result = form.querySelector("[data-testid='test-result']");
  if (!button || !result) return;
  button.addEventListener("click", async () => {
    const fields = new FormData(form);
    const values = {};
    for (const [key, value] of fields.entries()) {
      if (key !== "kind" && key !== "name" && typeof value === "string") values[key] = value;
    }
    button.disabled = true;
    result.hidden = false;
    result.dataset.state = "testing";
    result.textContent = t("Testing the connection…");
    try {
      const answer = await postJSON(`${rootOf(document.body)}/api/settings/sources/test`, {
        kind: fields.get("kind") || "",
        name: fields.get("name") || "",
        values,
      });
      result.dataset.state = answer.ok ? "ok" : "failed";
      result.textContent = answer.ok ? `✓ ${answer.message}` : `✗ ${answer.message}`;
    } catch (err) {
      result.dataset.state = "failed";
      result.textContent = `✗ ${t("The test could not be sent: {reason}", { reason: err.message })}`;
    } finally {
      button.disabled = false;
    }
  });
}

function describe(state) {
  if (state.state === "done") {
    const done = state.what === "devices" ? t("Done: {count} devices stored.", { count: state.stored })
      : t("Done: {count} tickets stored.", { count: state.stored });
    return `✓ ${done}`;
  }
  if (state.state === "failed") return `✗ ${t("The sync failed.")}`;
  if (state.state === "syncing") {
    if (state.what === "devices") return t("Polling LibreNMS… the devices show here once the first poll is stored.");
    if (!state.countsLive) {
      // Another process runs the sync: its running count is not visible from here, only what it has stored.
      return t("Syncing in another process… the tickets show here once its first cycle is stored.");
    }
    return t("Syncing… {count} tickets fetched so far.", { count: state.fetched ?? state.stored });
  }
  return t("Waiting for the sync to start…");
}

// After this many polls still "waiting", say what usually causes it.
const WAITING_HINT_AFTER = 20;

function initFirstSync(section) {
  const name = section.dataset.firstSync;
  let waited = 0;
  const status = section.querySelector("[data-testid='sync-state']");
  const error = section.querySelector("[data-testid='sync-error']");
  const done = section.querySelector("[data-testid='sync-done']");
  const url = `${rootOf(section)}/api/settings/sources/${encodeURIComponent(name)}/sync`;
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      const state = await response.json();
      if (!response.ok) throw new Error(state.detail || response.statusText);
      status.dataset.state = state.state;
      status.textContent = describe(state);
      waited = state.state === "waiting" ? waited + 1 : 0;
      if (waited >= WAITING_HINT_AFTER) {
        status.textContent += ` ${t("No sync process has started it yet: is `deskpulse worker` running next to a --web-only server?")}`;
      }
      if (state.state === "failed") {
        error.hidden = false;
        // The sentence that says what to do; the vendor's own words stay on the source status page.
        error.textContent = state.explanation || state.error || "";
      }
      if (state.state === "done" || state.state === "failed") {
        done.hidden = false;
        return;
      }
    } catch (err) {
      status.textContent = t("Reconnecting… ({reason})", { reason: err.message });
    }
    setTimeout(poll, POLL_MS);
  }
  poll();
}

for (const form of document.querySelectorAll("[data-source-form]")) initTestButton(form);
const section = document.querySelector("[data-first-sync]");
if (section) initFirstSync(section);
