// Number and time formatting in the page's language (<html lang>, the user's choice) and local time zone.
const LOCALE = document.documentElement.lang || undefined;
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const clock = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dayClock = new Intl.DateTimeFormat(LOCALE, {
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

export function formatCount(value) {
  return Number.isFinite(value) ? integer.format(value) : "–";
}

export function parseTime(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

// "14:05" for today, "Mon 3 Feb 14:05" otherwise.
export function formatTime(iso, now = new Date()) {
  const date = parseTime(iso);
  if (!date) return "";
  return sameDay(date, now) ? clock.format(date) : dayClock.format(date);
}
