// Sign-in and account pages: only the theme toggle needs script; every form works without it.
import { initTheme } from "./theme.js";

initTheme(document.querySelector("[data-testid='theme-toggle']"));
