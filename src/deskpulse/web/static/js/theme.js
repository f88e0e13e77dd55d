// Light/dark theme: follows the system until the user picks one; the choice is kept in localStorage.
const KEY = "deskpulse-theme";
const query = window.matchMedia("(prefers-color-scheme: dark)");
export const THEME_EVENT = "deskpulse:themechange";

function stored() {
  try {
    const value = window.localStorage.getItem(KEY);
    return value === "dark" || value === "light" ? value : null;
  } catch {
    return null;
  }
}

export function currentTheme() {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

function apply(theme) {
  if (theme === currentTheme() && document.documentElement.dataset.theme) return;
  document.documentElement.dataset.theme = theme;
  document.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: { theme } }));
}

function label(button) {
  const next = currentTheme() === "dark" ? "light" : "dark";
  // Pages put the label in their language on the button (data-label-dark / data-label-light).
  const text = button.dataset[next === "dark" ? "labelDark" : "labelLight"] || `Switch to ${next} theme`;
  button.setAttribute("aria-label", text);
  button.title = text;
}

export function initTheme(button) {
  apply(stored() ?? (query.matches ? "dark" : "light"));
  query.addEventListener("change", (event) => {
    if (stored() === null) apply(event.matches ? "dark" : "light");
  });
  if (!button) return;
  label(button);
  document.addEventListener(THEME_EVENT, () => label(button));
  button.addEventListener("click", () => {
    const next = currentTheme() === "dark" ? "light" : "dark";
    try {
      window.localStorage.setItem(KEY, next);
    } catch {
      // storage blocked: the choice lasts for this page only
    }
    apply(next);
  });
}
