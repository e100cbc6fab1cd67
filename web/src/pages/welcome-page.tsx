import { Code, ConnectError } from "@eddie-marketplace/sdk";
import { useState } from "react";
import { startSignIn } from "../auth/sign-in.js";
import { ErrorAlert } from "../components/async-state.js";

/** The front door: what the app is for, sign in, and sign up as an organisation. */
export function WelcomePage(props: { error?: unknown }) {
  const [busy, setBusy] = useState<"login" | "signup">();
  const [error, setError] = useState<unknown>(props.error);
  const go = async (mode: "login" | "signup") => {
    setBusy(mode);
    setError(undefined);
    try {
      await startSignIn(mode);
    } catch (e) {
      setError(e);
      setBusy(undefined);
    }
  };
  return (
    <main className="welcome">
      <div className="welcome-card">
        <p className="brand" style={{ color: "var(--primary)", marginBottom: 12 }}>
          <img src="/favicon.svg" alt="" width="30" height="30" /> AIIDA Marketplace
        </p>
        <h1>Smart-meter data, with the household's consent</h1>
        <p>For energy companies and service providers in the EDDIE ecosystem:</p>
        <ul>
          <li>describe the data you need and publish your request,</li>
          <li>find the households whose AIIDA instance holds matching data,</li>
          <li>ask them for access and follow each decision live.</li>
        </ul>
        {error !== undefined &&
          (ConnectError.from(error).code === Code.PermissionDenied ? (
            <div className="alert info" role="alert">
              The sign-in was cancelled or refused at the IAM. You can try again.
            </div>
          ) : (
            <ErrorAlert error={error} />
          ))}
        <div className="button-row" style={{ marginTop: 20 }}>
          <button
            type="button"
            className="button primary"
            disabled={busy !== undefined}
            onClick={() => void go("login")}
          >
            {busy === "login" ? "Opening…" : "Log in"}
          </button>
          <button
            type="button"
            className="button"
            disabled={busy !== undefined}
            onClick={() => void go("signup")}
          >
            {busy === "signup" ? "Opening…" : "Sign up your organisation"}
          </button>
        </div>
      </div>
    </main>
  );
}
