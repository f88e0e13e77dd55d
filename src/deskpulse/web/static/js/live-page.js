// Entry point of the server-rendered live pages (board, SLA, workload, trends, ticket, portal): the theme
// toggle, the connection indicator, and an in-place reload of <main> when the stream says data or alerts changed.
// Without JavaScript these pages refresh themselves instead (a meta refresh inside <noscript>).
import { mountIndicator } from "./live-status.js";
import { RESET, startLive, subscribe, throttle } from "./live.js";
import { initNotifications } from "./notify.js";
import { reloadPage } from "./page-swap.js";
import { initTheme } from "./theme.js";

const DEFAULT_TOPICS = "tickets,metrics,alerts";

// Source health only matters to a page when it turns a stale banner on or off: reload when a source's health
// changes, or on its first event when the page shows a banner (it may have recovered meanwhile).
function healthChange(reload) {
  const lastOk = new Map();
  return (data) => {
    if (data === RESET) return reload();
    const before = lastOk.get(data.source);
    const ok = Boolean(data.ok);
    lastOk.set(data.source, ok);
    const banner = document.querySelector("[data-testid='stale-banner']:not([hidden])");
    if (before === undefined ? !ok || banner : before !== ok) reload();
  };
}

initTheme(document.querySelector("[data-testid='theme-toggle']"));
const placeholder = document.querySelector("[data-live]");
if (placeholder) {
  const reload = throttle(reloadPage);
  for (const topic of (placeholder.dataset.liveTopics || DEFAULT_TOPICS).split(",")) subscribe(topic, reload);
  subscribe("sources", healthChange(reload));
  initNotifications();
  mountIndicator(placeholder);
  startLive(placeholder.dataset.root || "");
}
