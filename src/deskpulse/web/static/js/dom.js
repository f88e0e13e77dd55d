// Small DOM helpers: text only ever goes in through textContent.

export function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

export function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  return element;
}

// Replace the children only when the rendered text differs, so an unchanged refresh touches nothing.
export function replaceIfChanged(parent, children) {
  const next = children.map((child) => child.outerHTML).join("");
  if (parent.dataset.rendered === next) return;
  parent.replaceChildren(...children);
  parent.dataset.rendered = next;
}
