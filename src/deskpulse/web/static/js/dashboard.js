// Renders /api/dashboard and /api/closed into the page.
import { make, renderChildren, setText } from "./dom.js";
import { formatCount, formatTime } from "./format.js";
import { t } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);

function showEmpty(id, empty) {
  const note = document.getElementById(id);
  if (note) note.hidden = !empty;
}

function renderSummary(summary) {
  for (const element of document.querySelectorAll("[data-summary]")) {
    setText(element, formatCount(summary[element.dataset.summary]));
  }
}

function renderTeams(teams, multiSource) {
  const body = $("#teams-body");
  renderChildren(body, teams, (rows) =>
    rows.map((team) => {
      const tr = make("tr", team.id === null ? "team--none" : "");
      const name = make("th", "team-name", team.name);
      name.scope = "row";
      if (multiSource && team.source) name.append(make("span", "source-tag", team.source));
      tr.append(name, make("td", "num", formatCount(team.total)), make("td", "num", formatCount(team.new)));
      tr.append(make("td", "num", formatCount(team.assigned)));
      return tr;
    }),
  );
  body.closest("table").hidden = teams.length === 0;
  showEmpty("teams-empty", teams.length === 0);
}

function renderAgents(users, multiSource) {
  const max = Math.max(1, ...users.map((u) => u.assigned));
  renderChildren($("#agents"), users, (rows) =>
    rows.map((user) => {
      const li = make("li", "agent");
      const name = make("span", "agent-name", user.name);
      if (multiSource && user.source) name.append(make("span", "source-tag", user.source));
      const track = make("span", "bar-track");
      track.setAttribute("aria-hidden", "true");
      const bar = make("span", "bar");
      bar.style.width = `${(100 * user.assigned) / max}%`;
      track.append(bar);
      li.append(name, track, make("span", "agent-count", formatCount(user.assigned)));
      return li;
    }),
  );
  $("#agents").classList.toggle("agents--many", users.length > 8);
  showEmpty("agents-empty", users.length === 0);
}

function renderAges(buckets) {
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  renderChildren($("#age-buckets"), buckets, (rows) =>
    rows.map((bucket, index) => {
      const li = make("li", `age age--${index}`);
      li.dataset.key = bucket.key;
      const share = make("span", "age-share");
      share.setAttribute("aria-hidden", "true");
      share.style.width = `${total ? (100 * bucket.count) / total : 0}%`;
      li.append(make("span", "age-count", formatCount(bucket.count)), make("span", "age-label", bucket.label));
      li.append(make("span", "age-sublabel", bucket.sublabel), share);
      return li;
    }),
  );
}

function renderStatus(data) {
  const asOf = $("#as-of");
  setText(asOf, data.last_updated ? t("Data as of {time}", { time: formatTime(data.last_updated) }) : t("No data synced yet"));
  asOf.dataset.timestamp = data.last_updated ?? "";
  const banner = $("#stale-banner");
  const stale = Boolean(data.stale_since);
  if (stale) {
    const reason = data.stale_reason || t("the last sync failed");
    setText($("#stale-text"), t("Stale since {since}: {reason}", { since: formatTime(data.stale_since), reason }));
  }
  banner.hidden = !stale;
  document.body.classList.toggle("is-stale", stale);
}

export function renderDashboard(data, { multiSource }) {
  renderSummary(data.summary);
  renderTeams(data.teams, multiSource);
  renderAgents(data.users, multiSource);
  renderAges(data.age_buckets);
  renderStatus(data);
}

export function renderClosed(data) {
  for (const element of document.querySelectorAll("[data-closed]")) {
    setText(element, formatCount(data[element.dataset.closed]));
  }
}

// A failed refresh keeps the last figures on screen and says so in words.
export function renderLoadError(message) {
  const note = $("#load-error");
  if (message) setText(note, t("Refresh failed: {message}. Showing the last figures; retrying.", { message }));
  note.hidden = !message;
}
