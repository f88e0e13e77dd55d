// TV mode: rotate through the playlist's slides, refresh each slide's data from /api/tv/{playlist}/slides/{n}
// and on live events, and keep the last data through network drops ("reconnecting…", retries with backoff;
// never a blank screen). A slow pixel shift moves the whole screen a few pixels every few minutes (burn-in).
import { getJSON } from "./api.js";
import { make, renderChildren, setText } from "./dom.js";
import { t } from "./i18n.js";
import { onStatus, RESET, startLive, subscribe, throttle } from "./live.js";
import { initTheme } from "./theme.js";

const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 60000;
const SHIFT_EVERY_MS = 3 * 60 * 1000;
// Offsets in px, visited in turn: small enough to go unnoticed, enough to spread static edges.
const SHIFTS = [[0, 0], [2, 1], [4, 2], [3, 4], [1, 3], [-1, 2], [-2, 0], [-1, -2], [1, -1]];
const LIVE_TOPICS = ["tickets", "metrics", "alerts", "uptime", "sources"];

const main = document.querySelector("[data-testid='tv']");
const boot = JSON.parse(document.getElementById("tv-boot").textContent);
const els = {
  title: main.querySelector("[data-testid='tv-title']"),
  position: main.querySelector("[data-testid='tv-position']"),
  clock: main.querySelector("[data-testid='tv-clock']"),
  stale: main.querySelector("[data-testid='tv-stale']"),
  connection: main.querySelector("[data-testid='tv-connection']"),
  widgets: main.querySelector("[data-testid='tv-widgets']"),
  tables: main.querySelector("[data-testid='tv-tables']"),
  notice: main.querySelector("[data-testid='tv-notice']"),
};
const slides = boot.slides; // [{number, board, title, seconds}] this screen may see
const cache = new Map(); // slide number -> its last data
const state = { position: 0, fetchFailed: false, streamDown: false, retryMs: RETRY_MIN_MS, shown: null };
let rotateTimer = null;
let retryTimer = null;
let shiftStep = 0;

function levelBadge(item) {
  const badge = make("span", "tv-level");
  if (item.level === "none") return badge;
  const icon = make("span", "tv-icon", item.icon);
  icon.setAttribute("aria-hidden", "true"); // the word beside it says the same
  badge.append(icon, document.createTextNode(` ${item.levelText}`));
  return badge;
}

function buildWidget(w) {
  const box = make("div", `tv-widget level-${w.level}`);
  box.dataset.testid = `tv-widget-${w.key}`;
  box.dataset.level = w.level;
  box.append(make("span", "tv-widget-label", w.label), make("span", "tv-widget-value", w.display));
  if (w.level !== "none") box.append(levelBadge(w));
  return box;
}

function buildTable(spec) {
  const wrap = make("div", "tv-table-wrap");
  const table = make("table", "tv-table");
  const head = make("tr");
  if (spec.levels) head.append(make("th", null, t("Status")));
  for (const column of spec.columns) head.append(make("th", null, column));
  for (const th of head.children) th.scope = "col";
  const body = make("tbody");
  for (const r of spec.rows) {
    const tr = make("tr", `level-${r.level}`);
    if (spec.levels) {
      const cell = make("td");
      cell.append(levelBadge(r));
      tr.append(cell);
    }
    for (const value of r.cells) tr.append(make("td", null, value));
    body.append(tr);
  }
  table.append(make("thead"), body);
  table.tHead.append(head);
  wrap.append(make("h2", null, spec.title), spec.rows.length ? table : make("p", "tv-none", t("None right now")));
  if (spec.more > 0) wrap.append(make("p", "tv-more", t("and {count} more", { count: spec.more })));
  return wrap;
}

// The staleness badge: from the server's verdict, and from the clock while the data cannot be refreshed.
function renderStale(data) {
  const f = data.freshness;
  let stale = f.stale;
  let minutes = f.ageMinutes;
  if (f.lastUpdated) {
    minutes = Math.max(0, Math.floor((Date.now() - Date.parse(f.lastUpdated)) / 60000));
    stale = stale || minutes > f.staleMinutes;
  }
  els.stale.hidden = !stale;
  if (!stale) return;
  const age = minutes === null ? t("No data yet") : t("Data is {minutes} min old", { minutes });
  setText(els.stale, `⚠ ${age}${f.reason ? ` · ${f.reason}` : ""}`);
}

function render(data) {
  state.shown = data;
  const index = slides.findIndex((s) => s.number === data.index + 1);
  setText(els.title, data.title);
  setText(els.position, `${index + 1} / ${slides.length}`);
  main.dataset.board = data.board;
  main.dataset.slide = String(data.index + 1);
  renderChildren(els.widgets, data.widgets, (items) => items.map(buildWidget));
  renderChildren(els.tables, data.tables, (items) => items.map(buildTable));
  els.notice.hidden = !data.notice;
  setText(els.notice, data.notice || "");
  renderStale(data);
}

function renderConnection() {
  const down = state.fetchFailed || state.streamDown;
  els.connection.hidden = !down;
  main.dataset.connection = down ? "reconnecting" : "live";
  if (down) setText(els.connection, `⟳ ${t("Reconnecting…")}`);
}

function current() {
  return slides[state.position];
}

async function fetchSlide(number) {
  const data = await getJSON(boot.root, `/api/tv/${encodeURIComponent(boot.name)}/slides/${number}`);
  cache.set(number, data);
  main.dataset.cached = String(cache.size); // how many slides could be shown offline
  return data;
}

function failed() {
  state.fetchFailed = true;
  renderConnection();
  clearTimeout(retryTimer);
  retryTimer = setTimeout(refresh, state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, RETRY_MAX_MS);
}

function recovered() {
  state.retryMs = RETRY_MIN_MS;
  clearTimeout(retryTimer);
  retryTimer = null;
  if (state.fetchFailed) {
    state.fetchFailed = false;
    renderConnection();
  }
}

// Reload the slide on screen; a failure keeps what is shown and retries with backoff.
async function refresh() {
  const slide = current();
  if (!slide) return;
  try {
    const data = await fetchSlide(slide.number);
    recovered();
    if (current() === slide) render(data);
  } catch (err) {
    if (err.status === 401 || err.status === 403 || err.status === 404) {
      // Signed out, or the playlist changed: the page itself says what to do now.
      window.location.reload();
      return;
    }
    failed();
  }
}

function schedule() {
  clearTimeout(rotateTimer);
  rotateTimer = setTimeout(advance, current().seconds * 1000);
}

// Next slide. Shown at once from its last data; one never loaded yet is fetched first, and if that fails the
// screen stays on the slide it has and tries again at the next turn.
async function advance() {
  const next = (state.position + 1) % slides.length;
  const number = slides[next].number;
  if (!cache.has(number)) {
    try {
      await fetchSlide(number);
      recovered();
    } catch {
      failed();
      schedule();
      return;
    }
  }
  state.position = next;
  render(cache.get(number));
  schedule();
  refresh();
}

function tickClock() {
  const now = new Date();
  setText(els.clock, now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
  els.clock.dateTime = now.toISOString();
  if (state.shown) renderStale(state.shown);
}

function shift() {
  shiftStep = (shiftStep + 1) % SHIFTS.length;
  const [x, y] = SHIFTS[shiftStep];
  main.style.transform = `translate(${x}px, ${y}px)`;
  main.dataset.shift = `${x},${y}`;
}

function start() {
  const wanted = new URLSearchParams(window.location.search).get("theme");
  if (wanted === "dark" || wanted === "light") document.documentElement.dataset.theme = wanted;
  else initTheme(null);
  main.dataset.shift = "0,0";
  if (!slides.length) {
    els.notice.hidden = false;
    setText(els.notice, t("Nothing to show on this screen."));
    return;
  }
  if (boot.first) cache.set(boot.first.index + 1, boot.first);
  if (cache.has(slides[0].number)) render(cache.get(slides[0].number));
  else refresh();
  schedule();
  tickClock();
  setInterval(tickClock, 10000);
  setInterval(shift, SHIFT_EVERY_MS);
  // Fill the other slides' data in the background, so a drop right after loading still has them all.
  for (const slide of slides.slice(1)) fetchSlide(slide.number).catch(() => {});
  const reload = throttle(refresh, 5000);
  for (const topic of LIVE_TOPICS) subscribe(topic, (data) => (data === RESET ? refresh() : reload()));
  onStatus((status) => {
    const down = status.connection === "reconnecting" || status.connection === "offline";
    if (down !== state.streamDown) {
      state.streamDown = down;
      renderConnection();
      if (!down) refresh(); // back: what changed meanwhile
    }
  });
  startLive(boot.root);
  renderConnection();
}

start();
