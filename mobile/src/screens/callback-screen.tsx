import { useEffect, useRef, useState } from "react";
import { useAuth } from "../auth/auth-session.js";
import { LoadingView } from "../components/state-views.js";
import { explainError } from "../features/error-message.js";
import { navigate } from "../router.js";

/** Where the IAM sends the browser back to: finishes the sign-in. */
export function CallbackScreen() {
  const { completeCallback } = useAuth();
  const [problem, setProblem] = useState<string>();
  const started = useRef(false);
  useEffect(() => {
    // The code is single-use: exchange it once even if React mounts twice.
    if (started.current) return;
    started.current = true;
    completeCallback().then(
      (back) => navigate(back, { replace: true }),
      (e: unknown) => setProblem(explainError(e, "finish signing you in")),
    );
  }, [completeCallback]);
  if (!problem) return <LoadingView label="Signing you in…" />;
  return (
    <main className="welcome">
      <h1>Sign-in didn't finish</h1>
      <p className="inline-error" role="alert">
        {problem}
      </p>
      <button
        type="button"
        className="button primary wide"
        onClick={() => navigate("/", { replace: true })}
      >
        Start again
      </button>
    </main>
  );
}
