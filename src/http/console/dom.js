// Building the page without innerHTML: every text goes in as text, so
// nothing a lead's profile holds can become markup.

const SVG = "http://www.w3.org/2000/svg";

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// An HTML element: h("td", {class: "num"}, "42").
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

// An SVG element.
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

// Replaces everything inside `el`.
export function put(el, ...children) {
  el.replaceChildren();
  return fill(el, {}, children);
}

let uid = 0;
// A labelled control: the label's `for` names the control's id.
export function field(labelText, control) {
  const id = control.id || `f${++uid}`;
  control.id = id;
  return h("div", {}, h("label", { for: id }, labelText), control);
}

// A checkbox inside its label.
export function check(labelText, attrs) {
  return h("label", {}, h("input", { type: "checkbox", ...attrs }), labelText);
}

// "STAGE_SQL" → "SQL", "HAND_OFF_STATUS_ACCEPTED" → "accepted".
export function enumWord(value, prefix) {
  if (!value) return "—";
  const word = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  // Acronyms and grades stay as sales writes them.
  return /^(MQL|SQL|[A-F])$/.test(word) ? word : word.toLowerCase().replaceAll("_", " ");
}

export function fmtTime(t) {
  if (!t) return "—";
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toLocaleString();
}

export function fmt(n, digits = 1) {
  return typeof n === "number" && Number.isFinite(n) ? n.toFixed(digits) : "—";
}

export function pct(n) {
  return typeof n === "number" && Number.isFinite(n) ? `${(100 * n).toFixed(1)} %` : "—";
}

// Tells the status line (an ARIA live region) something happened.
export function say(text) {
  document.getElementById("status").textContent = text;
}
