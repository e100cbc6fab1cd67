/**
 * The IAM's HTML pages: log in, sign up, log out and errors. Plain server
 * rendered forms with no script, so they work in every browser and can be
 * driven by a test without one.
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const style = `
body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0;display:flex;justify-content:center}
main{background:#fff;max-width:26rem;width:100%;margin:3rem 1rem;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0001}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #bbb;border-radius:6px;font-size:1rem}
fieldset{border:1px solid #ddd;border-radius:6px;margin:.8rem 0}fieldset label{font-weight:400;display:block;margin:.3rem 0}
button{margin-top:1.2rem;width:100%;padding:.7rem;border:0;border-radius:6px;background:#1d5fbf;color:#fff;font-size:1rem;cursor:pointer}
.error{color:#b00020;margin:.3rem 0 0;font-size:.9rem}.alert{background:#fdecea;color:#b00020;padding:.6rem;border-radius:6px}
.muted{color:#555;font-size:.9rem;margin-top:1.2rem}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · EDDIE Marketplace</title><style>${style}</style></head>
<body><main>${body}</main></body></html>`;
}

function fieldError(errors: Readonly<Record<string, string>>, field: string): string {
  const e = errors[field];
  return e === undefined
    ? ""
    : `<p class="error" id="${field}-error" role="alert">${escapeHtml(e)}</p>`;
}

/** The login form of interaction `uid`. */
export function loginPage(options: {
  uid: string;
  clientName: string;
  email?: string;
  error?: string;
}): string {
  const alert =
    options.error === undefined
      ? ""
      : `<p class="alert" role="alert">${escapeHtml(options.error)}</p>`;
  return layout(
    "Log in",
    `<h1>Log in to ${escapeHtml(options.clientName)}</h1>${alert}
<form method="post" action="/interaction/${escapeHtml(options.uid)}/login">
<label for="email">E-mail</label><input id="email" type="email" name="email" autocomplete="username" required value="${escapeHtml(options.email ?? "")}">
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form>
<p class="muted">New here? <a href="/interaction/${escapeHtml(options.uid)}/signup">Create an account</a></p>
<p class="muted"><a href="/interaction/${escapeHtml(options.uid)}/abort">Cancel</a></p>`,
  );
}

/** What the sign-up form shows again after a rejected attempt. */
export interface SignUpValues {
  readonly email: string;
  readonly displayName: string;
  readonly role: string;
  readonly organisation: string;
}

/** The sign-up form of interaction `uid`, with a message per bad field. */
export function signUpPage(options: {
  uid: string;
  clientName: string;
  values?: SignUpValues;
  errors?: Readonly<Record<string, string>>;
}): string {
  const v = options.values ?? { email: "", displayName: "", role: "", organisation: "" };
  const errors = options.errors ?? {};
  const alert =
    Object.keys(errors).length === 0
      ? ""
      : `<p class="alert" role="alert">Your account was not created. Please correct the fields below.</p>`;
  const checked = (role: string) => (v.role === role ? " checked" : "");
  return layout(
    "Sign up",
    `<h1>Create your account for ${escapeHtml(options.clientName)}</h1>${alert}
<form method="post" action="/interaction/${escapeHtml(options.uid)}/signup">
<fieldset><legend>I am</legend>
<label><input type="radio" name="role" value="customer"${checked("customer")}> a customer (household)</label>
<label><input type="radio" name="role" value="eligible_party"${checked("eligible_party")}> an eligible party (company)</label>
</fieldset>${fieldError(errors, "role")}
<label for="organisation">Organisation (eligible parties only)</label>
<input id="organisation" type="text" name="organisation" autocomplete="organization" value="${escapeHtml(v.organisation)}">${fieldError(errors, "organisation")}
<label for="display_name">Your name</label>
<input id="display_name" type="text" name="display_name" autocomplete="name" required value="${escapeHtml(v.displayName)}">${fieldError(errors, "display_name")}
<label for="email">E-mail</label>
<input id="email" type="email" name="email" autocomplete="username" required value="${escapeHtml(v.email)}">${fieldError(errors, "email")}
<label for="password">Password (at least 10 characters)</label>
<input id="password" type="password" name="password" autocomplete="new-password" required>${fieldError(errors, "password")}
<button type="submit">Create account</button></form>
<p class="muted">Have an account? <a href="/interaction/${escapeHtml(options.uid)}">Log in</a></p>`,
  );
}

/** A page that says what went wrong, in words. */
export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

/** The logout confirmation; `form` is oidc-provider's hidden form to submit. */
export function logoutPage(form: string): string {
  return layout(
    "Log out",
    `<h1>Log out?</h1><p>You will be logged out of the EDDIE Marketplace on this device.</p>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Log out</button>
<p class="muted"><button type="submit" form="op.logoutForm" style="background:#777">Stay logged in</button></p>`,
  );
}

/** Shown after logging out when the app gave no place to return to. */
export function loggedOutPage(): string {
  return layout("Logged out", "<h1>You are logged out</h1><p>You can close this page.</p>");
}
