import { AttnkitError } from '@attnkit/core';

/**
 * Loading failures are AttnkitError 'INVALID_ARGUMENT' whose `argument` is `<file>:<field>`, e.g.
 * `model.safetensors:decoder.layers.0.fc1.weight` or `config.json:d_model`, so callers and tests can tell
 * exactly which tensor or field was at fault.
 *
 * A file is never echoed whole into an error: the field (a key of the file, which may be 100 MB long or
 * empty), the message and the expected and given values are clipped, so an error stays a few hundred
 * characters whatever the file holds. Values are best rendered with `shown`.
 */
export function loadError(
  file: string,
  field: string,
  message: string,
  expected?: string,
  given?: string,
): AttnkitError {
  const name = field === '' ? '""' : clip(field, MAX_FIELD);
  return new AttnkitError('INVALID_ARGUMENT', `${file}: ${name}: ${clip(message, MAX_MESSAGE)}`, {
    argument: `${file}:${name}`,
    ...(expected !== undefined && { expected: clip(expected, MAX_VALUE) }),
    ...(given !== undefined && { given: clip(given, MAX_VALUE) }),
  });
}

const MAX_FIELD = 200;
const MAX_MESSAGE = 1000;
const MAX_VALUE = 200;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * A value of a JSON file as a message shows it: JSON for short values, otherwise its first `max` characters,
 * rendering at most three levels and as many elements as fit. Unlike JSON.stringify it never walks a whole
 * hostile value, so 100,000 nested arrays (a stack overflow for JSON.stringify) or a 100 MB string cost
 * microseconds.
 */
export function shown(value: unknown, max = 80): string {
  const text = render(value, 3, max + 1);
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function render(value: unknown, depth: number, budget: number): string {
  if (typeof value === 'string') return JSON.stringify(value.length > budget ? value.slice(0, budget) : value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value !== 'object') return String(value);
  const array = Array.isArray(value);
  if (depth === 0) return array ? '[…]' : '{…}';
  const parts: string[] = [];
  let length = 0;
  const add = (part: string) => {
    parts.push(part);
    length += part.length + 1;
    return length > budget;
  };
  if (array) {
    for (const item of value as unknown[]) if (add(render(item, depth - 1, budget - length))) break;
  } else {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (add(`${render(key, 0, budget - length)}:${render(item, depth - 1, budget - length)}`)) break;
    }
  }
  return array ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

/** A bad call: `argument` names what was wrong; `expected` and `given`, where given, say it as values. */
export function argumentError(
  op: string,
  argument: string,
  message: string,
  expected?: string,
  given?: string,
): AttnkitError {
  return new AttnkitError('INVALID_ARGUMENT', `${op}: ${argument} ${message}`, {
    argument,
    ...(expected !== undefined && { expected }),
    ...(given !== undefined && { given }),
  });
}
