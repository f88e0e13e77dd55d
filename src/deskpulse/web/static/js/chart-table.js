// Charts as tables: used when the server has no chart library (the optional deskpulse[charts] extra).
// The table's columns are the spec's tooltip fields, so it shows what hovering the chart would have shown.
import { make } from "./dom.js";
import { t } from "./i18n.js";

// Long series (a day of five-minute points) are thinned to evenly spaced rows, always keeping the newest.
const MAX_ROWS = 31;

export function chartsOff() {
  const main = document.getElementById("main");
  return Boolean(main && main.dataset.charts === "off");
}

function tooltipFields(spec) {
  if (spec.encoding && Array.isArray(spec.encoding.tooltip)) return spec.encoding.tooltip;
  for (const layer of spec.layer || []) {
    if (layer.encoding && Array.isArray(layer.encoding.tooltip)) return layer.encoding.tooltip;
  }
  return [];
}

function thinned(rows) {
  if (rows.length <= MAX_ROWS) return rows;
  const step = (rows.length - 1) / (MAX_ROWS - 1);
  return Array.from({ length: MAX_ROWS }, (_, i) => rows[Math.round(i * step)]);
}

function cellText(value, field) {
  if (value === null || value === undefined) return "–";
  if (field.type === "temporal") {
    const when = new Date(value);
    if (Number.isNaN(when.getTime())) return String(value);
    // Calendar days (a utc time unit) stay on their day; instants show in the viewer's local time.
    if (String(field.timeUnit || "").startsWith("utc")) {
      return when.toLocaleDateString(undefined, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
    }
    return when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }
  if (field.type === "quantitative" && typeof value === "number") return value.toLocaleString();
  return String(value);
}

// Replace element's content with a one-line note and a table of the spec's rows.
export function renderChartTable(element, spec) {
  const fields = tooltipFields(spec);
  const rows = spec.data && Array.isArray(spec.data.values) ? spec.data.values : [];
  const table = make("table", "chart-table");
  if (spec.description) table.append(make("caption", "", spec.description));
  const head = make("tr");
  for (const field of fields) {
    const th = make("th", field.type === "quantitative" ? "num" : "", field.title || field.field);
    th.scope = "col";
    head.append(th);
  }
  const body = make("tbody");
  for (const row of thinned(rows)) {
    const tr = make("tr");
    for (const field of fields) {
      tr.append(make("td", field.type === "quantitative" ? "num" : "", cellText(row[field.field], field)));
    }
    body.append(tr);
  }
  const thead = make("thead");
  thead.append(head);
  table.append(thead, body);
  element.classList.add("chart--table");
  // The table may scroll: a named region in the tab order lets keyboard users scroll it too.
  element.tabIndex = 0;
  element.setAttribute("role", "region");
  element.setAttribute("aria-label", spec.description || t("Chart data"));
  const note = make(
    "p",
    "chart-note chart-off-note",
    t("Charts are not available on this server (the optional deskpulse[charts] package is not installed); showing a table instead."),
  );
  // No rows: the page's own "nothing yet" line says so; an empty table would only repeat it.
  if (rows.length === 0) element.replaceChildren(note);
  else element.replaceChildren(note, table);
}
