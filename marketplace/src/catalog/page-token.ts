import { createHash } from "node:crypto";
import { ValidationError } from "../api/errors.js";
import { isUuid } from "./validation.js";

/**
 * Where the next page starts: the sort key of the last item returned. Keyset
 * pagination, not offsets, so items published while someone pages through
 * never shift, repeat or drop what comes after.
 */
export interface PageCursor {
  /** The sort time of the last item (publication, or creation for own items), ms. */
  readonly at: number;
  readonly id: string;
  /** The text rank of the last item when sorted by relevance. */
  readonly rank?: number | undefined;
}

interface TokenBody {
  /** Version. */
  v: 1;
  /** Digest of what was asked: a token only continues the same browse. */
  q: string;
  t: number;
  i: string;
  r?: number;
}

/**
 * A short digest of everything that shapes a result list (item kind, filter,
 * sort), so a page token can't be replayed against a different browse.
 */
export function browseDigest(parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(part);
    hash.update("\u0000");
  }
  return hash.digest("base64url").slice(0, 16);
}

/** Encodes a cursor as an opaque page token. */
export function encodePageToken(digest: string, cursor: PageCursor): string {
  const body: TokenBody = { v: 1, q: digest, t: cursor.at, i: cursor.id };
  if (cursor.rank !== undefined) body.r = cursor.rank;
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/**
 * Decodes a page token for the browse with `digest`; undefined for an empty
 * token (the first page). A token that is malformed or belongs to another
 * browse is INVALID_ARGUMENT on "page_token".
 */
export function decodePageToken(
  token: string,
  digest: string,
  needsRank: boolean,
): PageCursor | undefined {
  if (token === "") return undefined;
  const invalid = (why: string) => new ValidationError([{ field: "page_token", description: why }]);
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Partial<TokenBody>;
  } catch {
    throw invalid("not a page token from this list; start again without one");
  }
  if (
    typeof body !== "object" ||
    body === null ||
    body.v !== 1 ||
    typeof body.t !== "number" ||
    !Number.isFinite(body.t) ||
    typeof body.i !== "string" ||
    !isUuid(body.i) ||
    (needsRank && (typeof body.r !== "number" || !Number.isFinite(body.r)))
  ) {
    throw invalid("not a page token from this list; start again without one");
  }
  if (body.q !== digest) {
    throw invalid(
      "the token belongs to a list with other filters or order; start again without one",
    );
  }
  return { at: body.t, id: body.i, rank: body.r };
}
