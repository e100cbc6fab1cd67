import { useState } from "react";
import { useAuth } from "../auth/auth-session.js";
import { InlineError } from "../components/state-views.js";
import { explainError } from "../features/error-message.js";
import { useOnlineStatus } from "../features/use-online-status.js";

/** The first screen: what the app does, and sign up or log in. */
export function WelcomeScreen() {
  const { signIn, signedOutReason } = useAuth();
  const online = useOnlineStatus();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const go = async (signUp: boolean) => {
    setProblem(undefined);
    setBusy(true);
    try {
      await signIn({ signUp });
    } catch (e) {
      setProblem(explainError(e, signUp ? "open the sign-up page" : "open the login page"));
      setBusy(false);
    }
  };
  return (
    <main className="welcome" aria-labelledby="welcome-title">
      <img src="/icons/icon.svg" alt="" width={88} height={88} />
      <h1 id="welcome-title">Your meter data, your decision</h1>
      <p className="lead">
        Connect the AIIDA instance in your home, see which companies want which data and why, and
        approve, reject or stop sharing with one tap.
      </p>
      {signedOutReason && <p className="callout">{signedOutReason}</p>}
      {!online && (
        <p className="callout" role="status">
          You're offline. Connect to the internet to sign up or log in.
        </p>
      )}
      {problem && <InlineError>{problem}</InlineError>}
      <div className="welcome-actions">
        <button
          type="button"
          className="button primary wide"
          disabled={busy || !online}
          onClick={() => go(true)}
        >
          Create an account
        </button>
        <button
          type="button"
          className="button secondary wide"
          disabled={busy || !online}
          onClick={() => go(false)}
        >
          Log in
        </button>
      </div>
    </main>
  );
}
