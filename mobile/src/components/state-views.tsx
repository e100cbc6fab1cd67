import type { ReactNode } from "react";
import { useAuth } from "../auth/auth-session.js";
import { explainError, isNetworkError, isSignedOutError } from "../features/error-message.js";

/** A spinner with words, announced politely to screen readers. */
export function LoadingView({ label }: { label: string }) {
  return (
    <div className="state-view" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <p>{label}</p>
    </div>
  );
}

/** What an empty list means and what the person can do about it. */
export function EmptyView({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="state-view empty">
      <h2>{title}</h2>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

/** A failed load: the reason in plain words and a way to try again. */
export function ErrorView({
  error,
  context,
  onRetry,
}: {
  error: unknown;
  /** What was being done, e.g. "load your instances". */
  context: string;
  onRetry?: () => void;
}) {
  const offline = !navigator.onLine || isNetworkError(error);
  const { expire } = useAuth();
  if (isSignedOutError(error)) {
    return (
      <div className="state-view error" role="alert">
        <h2>Please log in again</h2>
        <p>{explainError(error, context)}</p>
        <button type="button" className="button primary" onClick={expire}>
          Log in again
        </button>
      </div>
    );
  }
  return (
    <div className={`state-view ${offline ? "offline" : "error"}`} role="alert">
      <h2>{offline ? "You're offline" : "That didn't work"}</h2>
      <p>{explainError(error, context)}</p>
      {onRetry && (
        <button type="button" className="button secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** An inline error under a form or button. */
export function InlineError({ children }: { children: ReactNode }) {
  return (
    <p className="inline-error" role="alert">
      {children}
    </p>
  );
}
