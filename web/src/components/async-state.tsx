import { Code, ConnectError } from "@eddie-marketplace/sdk";
import type { ReactNode } from "react";
import { startSignIn } from "../auth/sign-in.js";
import { describeError } from "../marketplace/error-text.js";

/** A centred spinner with a label screen readers announce. */
export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> <span>{label}</span>
    </div>
  );
}

/** What to show when a list has nothing in it, with the next step. */
export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <h2>{props.title}</h2>
      {props.children}
    </div>
  );
}

/**
 * An error in words, with a way to try again when there is one, and a way
 * to sign in again when the session ended.
 */
export function ErrorAlert(props: { error: unknown; onRetry?: () => void }) {
  const signedOut = ConnectError.from(props.error).code === Code.Unauthenticated;
  return (
    <div className="alert error" role="alert">
      <p style={{ margin: 0 }}>{describeError(props.error)}</p>
      {signedOut ? (
        <button
          type="button"
          className="button small"
          onClick={() => void startSignIn("login")}
          style={{ marginTop: 8 }}
        >
          Sign in again
        </button>
      ) : (
        props.onRetry && (
          <button
            type="button"
            className="button small"
            onClick={props.onRetry}
            style={{ marginTop: 8 }}
          >
            Try again
          </button>
        )
      )}
    </div>
  );
}
