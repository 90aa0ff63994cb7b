// The queue: the prioritized list with every filter ListPrioritizedLeads
// has, kept current by the stage-change stream, walked with j/k or the
// arrow keys (Enter opens the lead).

import { call, query, watchChanges } from "./api.js";
import { h, put, field, check, enumWord, fmt, fmtTime, say } from "./dom.js";

const STAGES = ["STAGE_NURTURING", "STAGE_MQL", "STAGE_SQL"];
const GRADES = ["FIT_GRADE_A", "FIT_GRADE_B", "FIT_GRADE_C", "FIT_GRADE_D"];
const PAGE_SIZE = 100;

function filtersForm(session) {
  const form = h("form", { class: "filters", "aria-label": "Filters", id: "filters" });
  const mine = check("Mine only", { name: "mine", disabled: !session.tokenName });
  form.append(
    h("fieldset", { class: "inline" }, h("legend", {}, "Stage"),
      STAGES.map((st) => check(enumWord(st, "STAGE_"), { name: "stages", value: st }))),
    h("fieldset", { class: "inline" }, h("legend", {}, "Grade"),
      GRADES.map((g) => check(enumWord(g, "FIT_GRADE_"), { name: "grades", value: g }))),
    field("Owner", h("input", { name: "owner", type: "text", autocomplete: "off", size: 12 })),
    field("Country", h("input", { name: "country", type: "text", autocomplete: "off", size: 6 })),
    field("Minimum score", h("input", { name: "minScore", type: "number", min: 0, max: 100, step: 1, inputmode: "numeric" })),
    h("fieldset", { class: "inline" }, h("legend", {}, "Show"),
      mine,
      check("Overdue follow-ups only", { name: "overdueOnly" }),
      check("Closed leads too", { name: "includeClosed" })),
  );
  return form;
}

function params(form, session) {
  const data = new FormData(form);
  const mine = data.get("mine") === "on";
  return {
    stages: data.getAll("stages"),
    grades: data.getAll("grades"),
    owner: mine ? session.tokenName : (data.get("owner") || "").trim(),
    country: (data.get("country") || "").trim(),
    minScore: data.get("minScore"),
    overdueOnly: data.get("overdueOnly") === "on",
    includeClosed: data.get("includeClosed") === "on",
    pageSize: PAGE_SIZE,
  };
}

function row(l) {
  const who = l.displayName || l.leadId;
  return h("tr", {
    "data-lead-id": l.leadId, "data-score": l.score || 0, "data-stage": l.stage || "",
    "data-status": l.status || "", tabindex: -1, "aria-selected": "false",
  },
  h("td", {},
    h("a", { href: `#/lead/${encodeURIComponent(l.leadId)}`, class: "name", tabindex: -1 }, who),
    h("div", { class: "sub" }, [l.company, l.email, l.displayName ? l.leadId : ""].filter(Boolean).join(" · "))),
  h("td", { class: "num" }, fmt(l.score || 0)),
  h("td", {}, enumWord(l.fitGrade, "FIT_GRADE_")),
  h("td", {}, enumWord(l.stage, "STAGE_")),
  h("td", {}, enumWord(l.status, "HAND_OFF_STATUS_")),
  h("td", { class: "hide-narrow" }, l.owner || "—"),
  h("td", { class: "hide-narrow" }, l.country || "—"),
  h("td", { class: "hide-narrow" }, fmtTime(l.followUpDue)));
}

function table() {
  return h("div", { class: "table-wrap" }, h("table", { id: "queue" },
    h("caption", { class: "sub" }, "Highest stage, then highest score, first. j / k or ↓ / ↑ to move, Enter to open."),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "Lead"), h("th", { scope: "col", class: "num" }, "Score"),
      h("th", { scope: "col" }, "Grade"), h("th", { scope: "col" }, "Stage"), h("th", { scope: "col" }, "Status"),
      h("th", { scope: "col", class: "hide-narrow" }, "Owner"), h("th", { scope: "col", class: "hide-narrow" }, "Country"),
      h("th", { scope: "col", class: "hide-narrow" }, "Follow-up due"))),
    h("tbody", {})));
}

// Moves the selection to row `i` of `rows` (roving tabindex: the selected
// row is the one focusable row).
function select(rows, i) {
  rows.forEach((r, j) => {
    r.setAttribute("aria-selected", String(i === j));
    r.tabIndex = i === j ? 0 : -1;
  });
  if (rows[i]) rows[i].focus();
}

function keys(tbody, signal) {
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest && ev.target.closest("input, select, textarea, button")) return;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const rows = [...tbody.querySelectorAll("tr[data-lead-id]")];
    if (!rows.length) return;
    const at = rows.findIndex((r) => r.getAttribute("aria-selected") === "true");
    if (ev.key === "j" || ev.key === "ArrowDown") select(rows, Math.min(at + 1, rows.length - 1));
    else if (ev.key === "k" || ev.key === "ArrowUp") select(rows, Math.max(at - 1, 0));
    else if (ev.key === "Enter" && at >= 0) location.hash = `#/lead/${encodeURIComponent(rows[at].dataset.leadId)}`;
    else return;
    ev.preventDefault();
  }, { signal });
  tbody.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr[data-lead-id]");
    if (tr && !ev.target.closest("a")) location.hash = `#/lead/${encodeURIComponent(tr.dataset.leadId)}`;
  }, { signal });
}

export async function queuePage({ session, signal, root }) {
  const form = filtersForm(session);
  const wrap = table();
  const tbody = wrap.querySelector("tbody");
  const count = h("p", { class: "sub", id: "queue-count" });
  put(root, h("h1", {}, "Queue"), form, count, wrap);
  let running = null;
  let again = false;
  const refresh = async () => {
    if (running) { again = true; return running; }
    running = (async () => {
      do {
        again = false;
        const answer = await call("GET", `/v1/leads${query(params(form, session))}`);
        const selected = tbody.querySelector("tr[aria-selected=true]")?.dataset.leadId;
        const leads = answer.leads || [];
        put(tbody, leads.map(row));
        const rows = [...tbody.querySelectorAll("tr")];
        const keep = rows.findIndex((r) => r.dataset.leadId === selected);
        if (keep >= 0) rows[keep].setAttribute("aria-selected", "true"), (rows[keep].tabIndex = 0);
        count.textContent = `${leads.length}${answer.nextPageToken ? "+" : ""} leads`;
      } while (again && !signal.aborted);
    })().finally(() => { running = null; });
    return running;
  };
  let timer = 0;
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); }, { signal });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); refresh(); }, { signal });
  keys(tbody, signal);
  await refresh();
  // Changes from now on: the list just read is the state before them.
  watchChanges((c) => {
    if (c) say(`Live: ${c.leadId} ${enumWord(c.kind, "STAGE_CHANGE_KIND_")}`);
    refresh().catch((e) => say(e.message));
  }, signal);
}
