/**
 * The one error class of attnkit. Every failure a caller can cause or meet carries a stable `code`;
 * shape errors also name the argument, the expected shape and the shape given.
 */
export type AttnkitErrorCode =
  /** A tensor has the wrong shape, rank or dtype for its role. */
  | 'SHAPE_MISMATCH'
  /** An option or argument has an invalid value (not a shape problem). */
  | 'INVALID_ARGUMENT'
  /** The backend declares that it does not support the requested feature. */
  | 'UNSUPPORTED'
  /** The request exceeds a limit of the device (buffer size, workgroup count, memory). */
  | 'DEVICE_LIMIT'
  /** The device was lost; create a new backend. */
  | 'DEVICE_LOST'
  /** A tensor or backend was used after `dispose()`. */
  | 'DISPOSED'
  /** A backend factory cannot run on this platform (no adapter, no WebGL context, ...). */
  | 'UNAVAILABLE'
  /** A backend failed while running a validated call (a bug or a driver failure). */
  | 'BACKEND_FAILURE';

export interface AttnkitErrorDetails {
  /** The argument or option at fault, e.g. `k`, `mask`, `options.window.left`. */
  readonly argument?: string;
  /** The expected shape or value, human-readable, e.g. `[1,4,*,64]`. */
  readonly expected?: string;
  /** The shape or value given. */
  readonly given?: string;
  readonly cause?: unknown;
}

export class AttnkitError extends Error {
  override readonly name = 'AttnkitError';
  readonly code: AttnkitErrorCode;
  readonly argument?: string;
  readonly expected?: string;
  readonly given?: string;

  constructor(code: AttnkitErrorCode, message: string, details: AttnkitErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.argument = details.argument;
    this.expected = details.expected;
    this.given = details.given;
  }
}

/**
 * True for an AttnkitError (of `code`, when given). Recognized by name and code as well as by class, so
 * that errors thrown by another copy of core (its src and its dist in one test run, two installed
 * versions) still count.
 */
export function isAttnkitError(value: unknown, code?: AttnkitErrorCode): value is AttnkitError {
  const recognized =
    value instanceof AttnkitError ||
    (value instanceof Error && value.name === 'AttnkitError' && typeof (value as { code?: unknown }).code === 'string');
  return recognized && (code === undefined || (value as AttnkitError).code === code);
}

/** `[1,4,128,64]`; `*` stands for a dimension that may take any size. */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}

export function shapeError(
  op: string,
  argument: string,
  expected: readonly (number | string)[] | string,
  given: readonly number[],
  why?: string,
): AttnkitError {
  const expectedText = typeof expected === 'string' ? expected : formatShape(expected);
  const givenText = formatShape(given);
  const reason = why ? ` (${why})` : '';
  return new AttnkitError(
    'SHAPE_MISMATCH',
    `${op}: ${argument} has shape ${givenText} but expected ${expectedText}${reason}`,
    { argument, expected: expectedText, given: givenText },
  );
}

export function invalidArgument(op: string, argument: string, expected: string, given: unknown): AttnkitError {
  const givenText = describeValue(given);
  return new AttnkitError('INVALID_ARGUMENT', `${op}: ${argument} must be ${expected}, got ${givenText}`, {
    argument,
    expected,
    given: givenText,
  });
}

/** A tensor of `shape` would exceed the backend's largest tensor (`limit` elements). */
export function deviceLimitError(op: string, argument: string, shape: readonly number[], limit: number): AttnkitError {
  const elements = shape.reduce((a, b) => a * b, 1);
  const given = formatShape(shape);
  return new AttnkitError(
    'DEVICE_LIMIT',
    `${op}: ${argument} ${given} has ${elements} elements, more than the backend's limit of ${limit}`,
    {
      argument,
      expected: `at most ${limit} elements`,
      given,
    },
  );
}

/**
 * A short, safe description of a bad value for a message: never throws (cycles, BigInt) and never prints
 * the contents of a large array, since a caller may pass a host tensor where a device tensor belongs.
 */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(value))
    return value.length <= 8 ? `[${value.map(describeValue).join(',')}]` : `array(${value.length})`;
  if (typeof value === 'object' && value !== null) {
    try {
      const text = JSON.stringify(value, (key, v) =>
        key !== '' && (ArrayBuffer.isView(v) || Array.isArray(v)) ? describeValue(v) : v,
      );
      if (text !== undefined && text.length <= 120) return text;
    } catch {
      // Cyclic or BigInt-holding objects fall through to their keys.
    }
    return `${value.constructor?.name ?? 'object'} { ${Object.keys(value).slice(0, 8).join(', ')} }`;
  }
  return String(value);
}
