// Words the scripts write, in the page's language. base.html puts the translations (English text -> text in
// the page's language, only where they differ) in <script type="application/json" id="script-strings">;
// without it, or for a sentence it lacks, the English text is used. "{name}" is filled from `values`.
let strings = null;

function table() {
  if (strings === null) {
    try {
      strings = JSON.parse(document.getElementById("script-strings")?.textContent || "{}");
    } catch {
      strings = {};
    }
  }
  return strings;
}

export function t(english, values = {}) {
  const text = table()[english] ?? english;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}
