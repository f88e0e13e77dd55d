// Vega-Lite charts: embed once, then swap the rows in place so a refresh does not flicker.

// The bundle is a deferred classic script placed before the modules, so it normally ran already.
function vegaReady() {
  if (window.vegaEmbed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => (window.vegaEmbed ? resolve() : reject(new Error("chart library not loaded")));
    if (document.readyState === "complete") check();
    else window.addEventListener("load", check, { once: true });
  });
}

function embedOptions(theme) {
  return { actions: false, renderer: "svg", tooltip: { theme: theme === "dark" ? "dark" : "light" } };
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

  async #render(spec, key, theme) {
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
      result = await window.vegaEmbed(frame, spec, embedOptions(theme));
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
