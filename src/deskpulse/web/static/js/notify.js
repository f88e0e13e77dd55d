// Opt-in browser notifications for critical alerts. Permission is asked only when the user clicks "Notify me";
// the choice to receive them is kept in localStorage (the browser's permission alone would apply to every tab).
import { t } from "./i18n.js";
import { subscribe } from "./live.js";

const KEY = "deskpulse-notify";

// Notifications need a secure context (HTTPS or localhost); elsewhere the browser refuses them silently.
export function notificationsSupported() {
  return "Notification" in window && window.isSecureContext;
}

function wanted() {
  try {
    return window.localStorage.getItem(KEY) === "on";
  } catch {
    return false;
  }
}

function store(on) {
  try {
    window.localStorage.setItem(KEY, on ? "on" : "off");
  } catch {
    // storage blocked: lasts for this page only
  }
}

export function notificationsOn() {
  return notificationsSupported() && Notification.permission === "granted" && wanted();
}

// Turn notifications on (asking for permission when the browser has not been asked yet) or off.
// Resolves to whether they are on now.
export async function toggleNotifications() {
  if (notificationsOn()) {
    store(false);
    return false;
  }
  if (!notificationsSupported()) return false;
  const permission =
    Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
  store(permission === "granted");
  return notificationsOn();
}

// Only a page of this deskpulse may be opened from a notification.
function sameOrigin(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.origin === window.location.origin ? parsed.href : null;
  } catch {
    return null;
  }
}

// Alerts events: {type, title, message, severity, url}; only severity "critical" notifies.
function onAlert(data, meta) {
  if (!notificationsOn() || !data || data.severity !== "critical") return;
  const note = new Notification(String(data.title || t("deskpulse alert")), {
    body: String(data.message || ""),
    tag: `deskpulse-alert-${meta.id || data.type}`, // one notification per alert, however many tabs are open
  });
  const target = sameOrigin(data.url);
  note.addEventListener("click", () => {
    window.focus();
    if (target) window.location.assign(target);
    note.close();
  });
}

export function initNotifications() {
  if (notificationsSupported()) subscribe("alerts", onAlert);
}
