// Runs before the first paint (classic blocking script in <head>): apply the stored or preferred theme.
(function () {
  "use strict";
  var theme = null;
  try {
    theme = window.localStorage.getItem("deskpulse-theme");
  } catch (err) {
    theme = null; // storage blocked: follow the system preference
  }
  if (theme !== "dark" && theme !== "light") {
    theme = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  document.documentElement.setAttribute("data-theme", theme);
})();
