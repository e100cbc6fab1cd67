// Turns errors from the Marketplace into sentences a household understands.
// Errors arrive as ConnectError (a numeric `code` and a `rawMessage`).

/** The Connect codes the app explains. */
const codes = {
  canceled: 1,
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  unimplemented: 12,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/** What went wrong, split into the code (if any) and the server's own words. */
export interface ErrorInfo {
  code: number | undefined;
  message: string;
}

/** Reads the Connect code and the server's message off any thrown value. */
export function errorInfo(error: unknown): ErrorInfo {
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; rawMessage?: unknown; message?: unknown };
    const code = typeof e.code === "number" ? e.code : undefined;
    const message =
      typeof e.rawMessage === "string"
        ? e.rawMessage
        : typeof e.message === "string"
          ? e.message
          : "";
    return { code, message };
  }
  return { code: undefined, message: String(error) };
}

/** Whether the error means the Marketplace could not be reached at all. */
export function isNetworkError(error: unknown): boolean {
  const { code, message } = errorInfo(error);
  return code === codes.unavailable || /failed to fetch|network|load failed/i.test(message);
}

/** Whether the error means the sign-in is no longer valid. */
export function isSignedOutError(error: unknown): boolean {
  return errorInfo(error).code === codes.unauthenticated;
}

/** Whether the call was cancelled on purpose (a screen closed). */
export function isCancelled(error: unknown): boolean {
  const e = error as { name?: unknown } | undefined;
  return errorInfo(error).code === codes.canceled || e?.name === "AbortError";
}

/**
 * One sentence for the person, with what to do next.
 *
 * @param context what the person was doing, e.g. "claim this instance"
 */
export function explainError(error: unknown, context: string): string {
  const offline = typeof navigator !== "undefined" && !navigator.onLine;
  if (offline || isNetworkError(error)) {
    return `You're offline or the Marketplace can't be reached, so we couldn't ${context}. Try again when you're back online.`;
  }
  const { code, message } = errorInfo(error);
  const detail = message ? ` (${message})` : "";
  switch (code) {
    case codes.invalidArgument:
      return message || `Something you entered isn't right, so we couldn't ${context}.`;
    case codes.failedPrecondition:
      return message || `That can't be done right now, so we couldn't ${context}.`;
    case codes.resourceExhausted:
      return `Too many tries. Wait a few minutes before you ${context} again.${detail}`;
    case codes.notFound:
      return `We couldn't find that any more. It may have been removed.${detail}`;
    case codes.permissionDenied:
      return `Your account isn't allowed to ${context}.${detail}`;
    case codes.unauthenticated:
      return "Your sign-in has expired. Please log in again.";
    case codes.deadlineExceeded:
      return `The Marketplace took too long, so we couldn't ${context}. Please try again.`;
    case codes.unimplemented:
      return `The Marketplace can't ${context} yet.`;
    default:
      return `Something went wrong, so we couldn't ${context}. Please try again.${detail}`;
  }
}
