// The review page's only script (no inline script: the Content-Security-Policy forbids it).
// It runs the WebAuthn ceremonies: the server sends the options (for an approval, the
// challenge is the digest of the record to be committed), the browser's authenticator
// answers, and the answer goes back as JSON with the session's CSRF token in a header.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function toBytes(b64url) {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function toB64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let raw = "";
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function creationOptions(o) {
  o.challenge = toBytes(o.challenge);
  o.user.id = toBytes(o.user.id);
  (o.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
  return o;
}

function requestOptions(o) {
  o.challenge = toBytes(o.challenge);
  (o.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
  return o;
}

function answer(credential) {
  const r = credential.response;
  const out = {
    id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
    response: { clientDataJSON: toB64url(r.clientDataJSON) },
  };
  if (r.attestationObject) {
    out.response.attestationObject = toB64url(r.attestationObject);
    if (r.getTransports) out.response.transports = r.getTransports();
  } else {
    out.response.authenticatorData = toB64url(r.authenticatorData);
    out.response.signature = toB64url(r.signature);
    if (r.userHandle) out.response.userHandle = toB64url(r.userHandle);
  }
  return out;
}

function say(text, ok) {
  const el = document.getElementById("message");
  el.textContent = text;  // text, never HTML
  el.className = ok ? "message ok" : "message refused";
  el.hidden = false;
}

const actions = {
  async login(form) {
    const person = form.elements.person.value.trim();
    const { options } = await post("/api/login/options", { person });
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return post("/api/login/verify", { credential: answer(credential) });
  },
  async register(form) {
    const person = form.elements.person.value.trim();
    const { options } = await post("/api/register/options", { person });
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    return post("/api/register/verify", { credential: answer(credential) });
  },
  async decide(form, submitter) {
    const body = {
      scope: form.elements.scope.value,
      seen: form.elements.seen.value,  // the text this page showed: a changed one is refused
      decision: submitter ? submitter.value : "approve",
      comment: form.elements.comment.value,
    };
    const { token, options } = await post("/api/decide/options", body);
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return post("/api/decide/sign", { token, credential: answer(credential) });
  },
};

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const action = actions[form.dataset.action];
  if (!action) return;
  event.preventDefault();
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await action(form, event.submitter);
    if (result.redirect) window.location.assign(result.redirect);
  } catch (error) {
    say(error.message || String(error), false);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
});
