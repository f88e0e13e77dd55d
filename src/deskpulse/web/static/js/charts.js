// Vega-Lite charts: embed once, then swap the rows in place so a refresh does not flicker.
// Without the chart library on the server (main[data-charts="off"]) each chart is drawn as a table instead.
import { chartsOff, renderChartTable } from "./chart-table.js";

// The bundle is a deferred classic script placed before the modules, so it normally ran already.
function vegaReady() {
  if (window.vegaEmbed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => (window.vegaEmbed ? resolve() : reject(new Error("chart library not loaded")));
    if (document.readyState === "complete") check();
    else window.addEventListener("load", check, { once: true });
  });
}

// Chart text follows the page's root font size, which grows on TV-sized screens (see app.css).
function textScale() {
  const size = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return Math.round((size / 16) * 100) / 100;
}

const SCALED = { axis: ["labelFontSize", "titleFontSize"], legend: ["labelFontSize", "symbolSize"] };

// The spec's own config wins over vega-embed's, so scale the font sizes in a copy of the spec.
function scaled(spec, scale) {
  if (scale === 1 || !spec.config) return spec;
  const config = { ...spec.config };
  for (const [part, keys] of Object.entries(SCALED)) {
    config[part] = { ...config[part] };
    for (const key of keys) if (typeof config[part][key] === "number") config[part][key] *= scale;
  }
  return { ...spec, config };
}

// CSP-friendly: ast makes Vega interpret expressions instead of calling new Function() (no 'unsafe-eval'), and
// the default styles that vega-embed and its tooltip would inject as <style> elements live in app.css instead.
function embedOptions(theme) {
  return {
    actions: false,
    ast: true,
    defaultStyle: false,
    renderer: "svg",
    tooltip: { theme: theme === "dark" ? "dark" : "light", disableDefaultStyle: true },
  };
}

export class ChartSlot {
  // element: the chart container; dataName: the spec's named data set whose rows refreshes replace.
  constructor(element, dataName) {
    this.element = element;
    this.dataName = dataName;
    this.key = null;
    this.result = null;
    this.frame = null;
    this.queue = Promise.resolve();
  }

  // key names everything in the spec but its rows (theme, range): an unchanged key only swaps the rows.
  render(spec, key, theme) {
    const run = () => this.#render(spec, key, theme);
    this.queue = this.queue.then(run, run);
    return this.queue;
  }

  async #render(spec, specKey, theme) {
    if (chartsOff()) {
      renderChartTable(this.element, spec);
      return;
    }
    const scale = textScale();
    const key = `${specKey}|${scale}`;
    const rows = spec.data && Array.isArray(spec.data.values) ? spec.data.values : [];
    if (this.result && this.key === key) {
      await this.result.view.data(this.dataName, rows).runAsync();
      return;
    }
    await vegaReady();
    // Draw the new chart in a frame stacked over the old one, then drop the old: no blank moment.
    const frame = document.createElement("div");
    frame.className = "chart-frame";
    this.element.append(frame);
    let result;
    try {
      result = await window.vegaEmbed(frame, scaled(spec, scale), embedOptions(theme));
    } catch (err) {
      frame.remove();
      throw err;
    }
    const previous = this.result;
    const previousFrame = this.frame;
    this.result = result;
    this.frame = frame;
    this.key = key;
    if (previous) previous.finalize();
    if (previousFrame) previousFrame.remove();
  }
}
