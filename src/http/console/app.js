// The console's shell: sign-in, the session (what the token may do),
// the pages by URL fragment (#/queue, #/lead/ID, #/pipeline, #/models).
// A lead id is the only data a URL ever carries.

import { call, token, ApiError } from "./api.js";
import { put, h, say } from "./dom.js";
import { queuePage } from "./queue.js";
import { leadPage } from "./lead.js";
import { pipelinePage } from "./pipeline.js";
import { modelsPage } from "./models.js";

const el = (id) => document.getElementById(id);
let session = null;
// Aborted when the page changes, so a page's stream and keys stop with it.
let pageScope = new AbortController();

async function signIn(t) {
  token.set(t);
  try {
    session = await call("GET", "/v1/session");
  } catch (e) {
    token.clear();
    session = null;
    throw e;
  }
}

function showSignIn(message) {
  el("nav").hidden = true;
  el("sign-in").hidden = false;
  put(el("page"));
  el("sign-in-error").textContent = message || "";
  el("token").focus();
}

async function route() {
  pageScope.abort();
  pageScope = new AbortController();
  if (!session) return showSignIn();
  el("sign-in").hidden = true;
  el("nav").hidden = false;
  el("who").textContent = `${session.tokenName || "no authentication"} · ${(session.scopes || []).join(", ")}`;
  const [, page = "queue", arg] = location.hash.split("/");
  for (const a of el("nav").querySelectorAll("a[data-page]")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const root = el("page");
  const ctx = { session, signal: pageScope.signal, root };
  try {
    if (page === "lead" && arg) await leadPage(ctx, decodeURIComponent(arg));
    else if (page === "pipeline") await pipelinePage(ctx);
    else if (page === "models") await modelsPage(ctx);
    else await queuePage(ctx);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      token.clear();
      session = null;
      return showSignIn("The token is no longer accepted; sign in again.");
    }
    put(root, h("p", { class: "error", role: "alert" }, e.message));
  }
}

el("sign-in").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await signIn(el("token").value.trim());
    el("token").value = "";
    say("Signed in");
    await route();
  } catch (e) {
    showSignIn(e instanceof ApiError && e.status === 401 ? "Unknown token." : e.message);
  }
});

el("sign-out").addEventListener("click", () => {
  token.clear();
  session = null;
  say("Signed out");
  route();
});

window.addEventListener("hashchange", route);

async function start() {
  const saved = token.get();
  if (saved) {
    try {
      await signIn(saved);
    } catch {
      // Fall through to the sign-in form.
    }
  } else {
    // A server without tokens answers without one.
    try {
      session = await call("GET", "/v1/session");
    } catch {
      session = null;
    }
  }
  await route();
}

start();
