import type { Principal } from "./principal.js";

/**
 * Turns a bearer access token into the caller, or throws. The real one checks
 * a JWT against the IAM's keys; unit tests of other parts pass an in-memory one.
 */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}
