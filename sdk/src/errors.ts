import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@eddie-marketplace/gen";

/** One wrong field of a request, as the Marketplace reports it. */
export interface FieldViolation {
  /** The field's path in the request, for example "input.data_need.data_tags[2]". */
  readonly field: string;
  /** What is wrong, in words to show next to the field. */
  readonly description: string;
}

/**
 * The field violations of an INVALID_ARGUMENT error (its
 * `google.rpc.BadRequest` detail), to show next to form fields. Empty for
 * any other error.
 *
 * @example
 * try { await publishDataRequest(mp, input); }
 * catch (err) { for (const v of fieldViolations(err)) form.setError(v.field, v.description); }
 */
export function fieldViolations(err: unknown): FieldViolation[] {
  const e = ConnectError.from(err);
  return e
    .findDetails(BadRequestSchema)
    .flatMap((d) => d.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
}
