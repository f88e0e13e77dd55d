// The live stream of a tab: one EventSource to /api/stream shared by every widget (a module is evaluated
// once per document, so this module's state is the tab's singleton).
//
// Widgets call subscribe(topic, handler). A handler gets (data, {topic, id}); on a `reset` from the server,
// on reconnecting without a known event id, and when auto-refresh is switched back on, every handler is
// called once with {type: "reset"}: reload everything. Reconnection is EventSource's own (it sends
// Last-Event-ID); only when the browser gives up (an HTTP error instead of a stream) is a new one opened.
export const TOPICS = ["tickets", "metrics", "alerts", "sources", "uptime"];
export const RESET = Object.freeze({ type: "reset" });
export const RELOAD_GAP_MS = 2000;
const OFFLINE_AFTER_MS = 30000;
const RETRY_MIN_MS = 3000;
const RETRY_MAX_MS = 30000;
const PAUSE_KEY = "deskpulse-auto-refresh";

const handlers = new Map(TOPICS.map((topic) => [topic, new Set()]));
const listeners = new Set();
const state = {
  connection: "connecting", // connecting | live | reconnecting | offline
  paused: readPaused(),
  offlineSince: null, // when the connection was lost (a Date), while it is not live
  lastEventId: "",
};
let source = null;
let streamUrl = null;
let offlineTimer = null;
let retryTimer = null;
let retryMs = RETRY_MIN_MS;

function readPaused() {
  try {
    return window.localStorage.getItem(PAUSE_KEY) === "off";
  } catch {
    return false; // storage blocked: auto-refresh stays on
  }
}

function call(handler, data, meta) {
  try {
    handler(data, meta);
  } catch (err) {
    reportError(err); // one broken widget must not stop the others
  }
}

function notify() {
  const snapshot = status();
  for (const listener of listeners) call(listener, snapshot);
}

function resetAll() {
  const unique = new Set();
  for (const set of handlers.values()) for (const handler of set) unique.add(handler);
  for (const handler of unique) call(handler, RESET, { topic: "reset", id: state.lastEventId });
}

// Still not live after a while: say since when, while EventSource keeps retrying.
function armOfflineTimer() {
  state.offlineSince = new Date();
  clearTimeout(offlineTimer);
  offlineTimer = setTimeout(() => setConnection("offline"), OFFLINE_AFTER_MS);
}

function setConnection(connection) {
  if (connection === "live") {
    clearTimeout(offlineTimer);
    offlineTimer = null;
    state.offlineSince = null;
  } else if (connection === "reconnecting" && state.offlineSince === null) {
    armOfflineTimer();
  }
  if (connection === "reconnecting" && state.connection === "offline") return; // stays offline until live
  if (connection === state.connection) return;
  state.connection = connection;
  notify();
}

function remember(event) {
  if (!event.lastEventId || event.lastEventId === state.lastEventId) return;
  state.lastEventId = event.lastEventId;
  notify();
}

function onTopic(event) {
  remember(event);
  if (state.paused) return;
  let data;
  try {
    data = JSON.parse(event.data);
  } catch {
    return; // not JSON: nothing a widget could use
  }
  const meta = { topic: event.type, id: event.lastEventId };
  for (const handler of handlers.get(event.type) ?? []) call(handler, data, meta);
}

function onOpen() {
  const wasDown = state.connection === "reconnecting" || state.connection === "offline";
  retryMs = RETRY_MIN_MS;
  setConnection("live");
  // Without an event id the server cannot replay what happened meanwhile: reload instead.
  if (wasDown && !state.lastEventId && !state.paused) resetAll();
}

function onError() {
  setConnection("reconnecting");
  if (source && source.readyState === EventSource.CLOSED) {
    // An HTTP error (e.g. 503 while the server restarts): the browser does not retry that by itself.
    source.close();
    source = null;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }
}

function open() {
  retryTimer = null;
  const url = new URL(streamUrl);
  // A new EventSource starts without Last-Event-ID; the query parameter carries it instead.
  if (state.lastEventId) url.searchParams.set("lastEventId", state.lastEventId);
  source = new EventSource(url);
  source.addEventListener("open", onOpen);
  source.addEventListener("error", onError);
  source.addEventListener("bye", (event) => {
    remember(event);
    setConnection("reconnecting"); // the server is shutting down; EventSource reconnects by itself
  });
  source.addEventListener("reset", (event) => {
    remember(event);
    if (!state.paused) resetAll();
  });
  for (const topic of TOPICS) source.addEventListener(topic, onTopic);
}

// Open the tab's stream (once; later calls do nothing). root: the app's root path ("" or "/desk").
export function startLive(root = "") {
  if (streamUrl !== null) return;
  streamUrl = new URL(`${root}/api/stream`, window.location.origin).href;
  armOfflineTimer(); // a stream that never opens (e.g. a buffering proxy) ends up "offline" too
  open();
}

// handler(data, {topic, id}) for each event of topic; returns a function that unsubscribes.
export function subscribe(topic, handler) {
  const set = handlers.get(topic);
  if (!set) throw new Error(`unknown live topic ${topic}`);
  set.add(handler);
  return () => set.delete(handler);
}

// {connection, paused, offlineSince, lastEventId} as it is now.
export function status() {
  return { ...state };
}

// listener(status()) now and on every change.
export function onStatus(listener) {
  listeners.add(listener);
  call(listener, status());
  return () => listeners.delete(listener);
}

export function isLive() {
  return state.connection === "live";
}

export function isPaused() {
  return state.paused;
}

// Auto-refresh off: events are ignored. Back on: every widget reloads (it may have missed changes).
export function setPaused(paused) {
  if (paused === state.paused) return;
  state.paused = paused;
  try {
    window.localStorage.setItem(PAUSE_KEY, paused ? "off" : "on");
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  notify();
  if (!paused) resetAll();
}

// fn at most once per gapMs however often the returned function is called; a call while fn runs queues
// exactly one more run after it (the change may have landed after fn started reading).
export function throttle(fn, gapMs = RELOAD_GAP_MS) {
  let last = -Infinity;
  let pending = false;
  let running = Promise.resolve();
  return function request() {
    if (pending) return;
    pending = true;
    const wait = Math.max(0, last + gapMs - Date.now());
    setTimeout(() => {
      running = running
        .then(() => {
          pending = false;
          last = Date.now();
          return fn();
        })
        .catch(reportError);
    }, wait);
  };
}
