import { Code, ConnectError, fieldViolations } from "@eddie-marketplace/sdk";

/**
 * Turns any error from a Marketplace call into a sentence a person can act
 * on, by its Connect code.
 */
export function describeError(err: unknown): string {
  const e = ConnectError.from(err);
  switch (e.code) {
    case Code.Unauthenticated:
      return "Your session has ended. Please sign in again.";
    case Code.PermissionDenied:
      return "Your account may not do this.";
    case Code.NotFound:
      return "This item does not exist, or it belongs to another organisation.";
    case Code.InvalidArgument:
      return fieldViolations(e).length > 0
        ? "Some fields need attention; see the messages beside them."
        : e.rawMessage;
    case Code.FailedPrecondition:
      return e.rawMessage || "This is not possible in the item's current state.";
    case Code.ResourceExhausted:
      return "Too many attempts. Please wait a moment and try again.";
    case Code.Unavailable:
      return "The Marketplace cannot be reached. Check your connection and try again.";
    case Code.DeadlineExceeded:
      return "The Marketplace took too long to answer. Please try again.";
    case Code.Unimplemented:
      return "The Marketplace does not offer this yet.";
    case Code.Canceled:
      return "Cancelled.";
    default:
      return e.rawMessage || "Something went wrong. Please try again.";
  }
}

/**
 * Field errors keyed by a form's field names: the request path without the
 * leading "input." and without list positions ("data_need.data_tags"). Several
 * messages for one field are joined.
 */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of fieldViolations(err)) {
    const key = formFieldKey(v.field);
    out[key] = out[key] ? `${out[key]} ${v.description}` : v.description;
  }
  return out;
}

/** "input.data_need.data_tags[2]" → "data_need.data_tags". */
export function formFieldKey(path: string): string {
  return path.replace(/^input\./, "").replace(/\[\d+\]/g, "");
}
