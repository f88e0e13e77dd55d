// Entry point: wires the controls and reloads every section when the live stream says data changed.
// While the stream is down (and auto-refresh is on), a slow poll keeps the figures from going stale.
import { getJSON } from "./api.js";
import { ChartSlot } from "./charts.js";
import { renderClosed, renderDashboard, renderLoadError } from "./dashboard.js";
import { t } from "./i18n.js";
import { mountIndicator } from "./live-status.js";
import { isLive, isPaused, startLive, subscribe, throttle } from "./live.js";
import { initNotifications } from "./notify.js";
import { currentTheme, initTheme, THEME_EVENT } from "./theme.js";

const main = document.getElementById("main");
const config = {
  root: main.dataset.root || "",
  source: main.dataset.source || null,
  multiSource: main.dataset.multiSource === "true",
  fallbackMs: Math.max(5, Number(main.dataset.fallbackSeconds) || 60) * 1000,
};
const state = { range: main.dataset.defaultRange || "24h", closedRows: [], timer: null };
const historyChart = new ChartSlot(document.getElementById("history-chart"), "history");
const closedChart = new ChartSlot(document.getElementById("closed-chart"), "closed_per_day");
const closedTemplates = new Map();
const CLOSED_DAYS = 30;

const api = (path, params = {}) => getJSON(config.root, path, params);

async function loadDashboard() {
  renderDashboard(await api("/api/dashboard", { source: config.source }), config);
}

async function loadHistory() {
  const theme = currentTheme();
  const range = state.range;
  const spec = await api("/api/charts/history", { source: config.source, range, theme });
  if (range !== state.range) return; // the user switched again meanwhile
  document.getElementById("history-empty").hidden = spec.data.values.length > 0;
  await historyChart.render(spec, `${range}|${theme}`, theme);
}

async function drawClosed() {
  const empty = !state.closedRows.some((row) => row.count > 0);
  document.getElementById("closed-empty").hidden = !empty;
  document.getElementById("closed-chart").hidden = empty;
  if (empty) return; // an empty bar chart is just axes (and Vega warnings)
  const theme = currentTheme();
  if (!closedTemplates.has(theme)) {
    closedTemplates.set(theme, await api("/api/charts/closed-per-day", { theme }));
  }
  const template = closedTemplates.get(theme);
  const spec = { ...template, data: { ...template.data, values: state.closedRows } };
  await closedChart.render(spec, theme, theme);
}

async function loadClosed() {
  const data = await api("/api/closed", { source: config.source });
  renderClosed(data);
  state.closedRows = data.daily_counts.slice(-CLOSED_DAYS);
  await drawClosed();
}

// Staff see how many alerts are open (the link is server-rendered; kiosk TVs have none).
const alertsLink = document.getElementById("alerts-count");

function alertsText(open, firing) {
  if (!open) return t("No open alerts");
  return t(open === 1 ? "{count} open alert · {firing} firing" : "{count} open alerts · {firing} firing", {
    count: open,
    firing,
  });
}

async function loadAlerts() {
  if (!alertsLink) return;
  const { data } = await api("/api/dashboard/alerts", { state: "firing,acknowledged", pageSize: 1 });
  alertsLink.textContent = alertsText(data.total, data.unacknowledged);
  alertsLink.classList.toggle("alerts-count--firing", data.unacknowledged > 0);
}

async function attempt(...tasks) {
  const results = await Promise.allSettled(tasks.map((task) => task()));
  const failed = results.find((result) => result.status === "rejected");
  renderLoadError(failed ? failed.reason.message : null);
}

async function refresh() {
  clearTimeout(state.timer);
  await attempt(loadDashboard, loadClosed, loadHistory);
  document.body.dataset.loaded = "true";
  state.timer = setTimeout(fallbackPoll, config.fallbackMs);
}

// The stream is the trigger; this only runs while it is down, so figures never go stale silently.
function fallbackPoll() {
  if (isLive() || isPaused()) state.timer = setTimeout(fallbackPoll, config.fallbackMs);
  else reload();
}

const reload = throttle(refresh);

function initRangeSwitch() {
  const buttons = [...document.querySelectorAll(".range-switch [data-range]")];
  for (const button of buttons) {
    button.addEventListener("click", () => {
      if (button.dataset.range === state.range) return;
      state.range = button.dataset.range;
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
      attempt(loadHistory);
    });
  }
}

function initSourcePicker() {
  const select = document.querySelector("select[data-autosubmit]");
  if (select) select.addEventListener("change", () => select.form.submit());
}

initTheme(document.querySelector("[data-testid='theme-toggle']"));
document.addEventListener(THEME_EVENT, () => attempt(loadHistory, drawClosed));
initRangeSwitch();
initSourcePicker();
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && !isPaused()) reload();
});
for (const topic of ["tickets", "metrics", "sources"]) subscribe(topic, reload);
subscribe("alerts", throttle(loadAlerts));
initNotifications();
const placeholder = document.querySelector("[data-live]");
if (placeholder) mountIndicator(placeholder);
startLive(config.root);
reload();
