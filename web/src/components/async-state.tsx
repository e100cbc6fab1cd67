import type { ReactNode } from "react";
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

/** An error in words, with a way to try again when there is one. */
export function ErrorAlert(props: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="alert error" role="alert">
      <p style={{ margin: 0 }}>{describeError(props.error)}</p>
      {props.onRetry && (
        <button
          type="button"
          className="button small"
          onClick={props.onRetry}
          style={{ marginTop: 8 }}
        >
          Try again
        </button>
      )}
    </div>
  );
}
