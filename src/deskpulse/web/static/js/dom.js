// Small DOM helpers: text only ever goes in through textContent.
const lastData = new WeakMap();

export function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

export function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  return element;
}

// Rebuild parent's children from data only when the data changed, in one swap (no flicker).
export function renderChildren(parent, data, build) {
  const signature = JSON.stringify(data);
  if (lastData.get(parent) === signature) return;
  lastData.set(parent, signature);
  parent.replaceChildren(...build(data));
}
