import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { BadRequestSchema } from "@eddie-marketplace/gen";

/**
 * Errors domain code throws. They know nothing of transports; the
 * {@link domainErrorInterceptor} is the one place that maps them to codes.
 */
export abstract class DomainError extends Error {
  abstract readonly code: Code;
}

/** One field that was wrong, and what to do about it. */
export interface FieldViolation {
  /** The field's path in the request, for example "input.data_need.data_tags[2]". */
  readonly field: string;
  /** What is wrong, in words the user can act on. */
  readonly description: string;
}

/** The input broke one or more rules: INVALID_ARGUMENT with every violation. */
export class ValidationError extends DomainError {
  readonly code = Code.InvalidArgument;
  constructor(readonly violations: readonly FieldViolation[]) {
    super(
      violations.length === 1
        ? `${violations[0]?.field}: ${violations[0]?.description}`
        : `${violations.length} fields are invalid: ${violations.map((v) => v.field).join(", ")}`,
    );
  }
}

/** Nothing the caller may see has this ID: NOT_FOUND (also for other owners' objects). */
export class NotFoundError extends DomainError {
  readonly code = Code.NotFound;
  constructor(what: string, id: string) {
    super(`no ${what} "${id}"`);
  }
}

/** The object is not in a state that allows this: FAILED_PRECONDITION. */
export class PreconditionError extends DomainError {
  readonly code = Code.FailedPrecondition;
}

/** The object already exists: ALREADY_EXISTS. */
export class AlreadyExistsError extends DomainError {
  readonly code = Code.AlreadyExists;
}

/** Too many attempts: RESOURCE_EXHAUSTED. */
export class RateLimitedError extends DomainError {
  readonly code = Code.ResourceExhausted;
}

/** The caller may not do this to this object: PERMISSION_DENIED. */
export class ForbiddenError extends DomainError {
  readonly code = Code.PermissionDenied;
}

/** Collects field violations while checking input; throws them all at once. */
export class Violations {
  private readonly list: FieldViolation[] = [];
  /** Records a violation of `field` when `ok` is false; returns `ok`. */
  check(ok: boolean, field: string, description: string): boolean {
    if (!ok) this.list.push({ field, description });
    return ok;
  }
  add(field: string, description: string): void {
    this.list.push({ field, description });
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
  /** Throws a {@link ValidationError} when anything was recorded. */
  throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError(this.list);
  }
}

/**
 * Maps {@link DomainError}s thrown by handlers to ConnectErrors with the right
 * code; validation errors carry a `google.rpc.BadRequest` detail with every
 * field violation, for unary and streaming handlers alike. Anything else unexpected becomes INTERNAL without leaking
 * its message.
 */
export function domainErrorInterceptor(onInternal: (err: unknown) => void = () => {}): Interceptor {
  return (next) => async (req) => {
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (err) {
      throw toConnectError(err, onInternal);
    }
    // A streaming handler's errors surface while its messages are read, after
    // this interceptor has returned: map them on the way out too.
    if (!res.stream) return res;
    return { ...res, message: mapStreamErrors(res.message, onInternal) };
  };
}

async function* mapStreamErrors<T>(
  messages: AsyncIterable<T>,
  onInternal: (err: unknown) => void,
): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    throw toConnectError(err, onInternal);
  }
}

/** The ConnectError a caller sees for `err`. */
export function toConnectError(
  err: unknown,
  onInternal: (err: unknown) => void = () => {},
): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof DomainError) {
    const details =
      err instanceof ValidationError
        ? [
            {
              desc: BadRequestSchema,
              value: create(BadRequestSchema, {
                fieldViolations: err.violations.map((v) => ({
                  field: v.field,
                  description: v.description,
                })),
              }),
            },
          ]
        : [];
    return new ConnectError(err.message, err.code, undefined, details, err);
  }
  onInternal(err);
  return new ConnectError(
    "something went wrong on our side; try again",
    Code.Internal,
    undefined,
    undefined,
    err,
  );
}
