// The connection indicator in a page's header: live / reconnecting / offline since HH:MM / paused, in words
// (the dot only repeats it), plus the auto-refresh toggle and the opt-in for notifications.
import { make, setText } from "./dom.js";
import { formatTime } from "./format.js";
import { t } from "./i18n.js";
import { isPaused, onStatus, setPaused } from "./live.js";
import { notificationsOn, notificationsSupported, toggleNotifications } from "./notify.js";

const WORDS = {
  connecting: ["Connecting…", "Opening the live connection."],
  live: ["Live", "Changes appear as soon as they are synced."],
  reconnecting: ["Reconnecting…", "The live connection was interrupted; reconnecting."],
  paused: ["Paused", "Auto-refresh is off: this page does not change until you turn it back on."],
};

function words(status) {
  if (status.paused) return WORDS.paused.map((text) => t(text));
  if (status.connection === "offline") {
    const since = formatTime(status.offlineSince.toISOString());
    return [t("Offline since {since}", { since }), t("The server cannot be reached; still trying to reconnect.")];
  }
  return (WORDS[status.connection] ?? WORDS.connecting).map((text) => t(text));
}

function toggleButton(label, testid, pressed, onClick) {
  const button = make("button", "live-button", label);
  button.type = "button";
  button.dataset.testid = testid;
  button.setAttribute("aria-pressed", String(pressed));
  button.addEventListener("click", onClick);
  return button;
}

// Render the indicator into placeholder (an element with data-live); it follows the tab's stream from then on.
export function mountIndicator(placeholder) {
  const state = make("span", "live-state");
  state.setAttribute("role", "status");
  state.dataset.testid = "live-status";
  const dot = make("span", "live-dot");
  dot.setAttribute("aria-hidden", "true");
  const text = make("span", "live-text");
  state.append(dot, text);

  const toggle = toggleButton(t("Auto-refresh"), "live-toggle", !isPaused(), () => {
    setPaused(!isPaused());
  });
  toggle.title = t("Update this page as soon as something changes");
  placeholder.replaceChildren(state, toggle);
  placeholder.hidden = false;

  if (notificationsSupported()) {
    const bell = toggleButton(t("Notify me"), "live-notify", notificationsOn(), async () => {
      bell.setAttribute("aria-pressed", String(await toggleNotifications()));
      bell.hidden = Notification.permission === "denied";
    });
    bell.title = t("Show a browser notification for critical alerts");
    bell.hidden = Notification.permission === "denied";
    placeholder.append(bell);
  }

  onStatus((status) => {
    const [label, hint] = words(status);
    const name = status.paused ? "paused" : status.connection;
    setText(text, label);
    state.title = hint;
    state.dataset.state = name;
    placeholder.dataset.state = name;
    placeholder.dataset.lastEventId = status.lastEventId;
    toggle.setAttribute("aria-pressed", String(!status.paused));
  });
}
