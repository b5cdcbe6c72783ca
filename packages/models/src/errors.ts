import { AttnkitError } from '@attnkit/core';

/**
 * Loading failures are AttnkitError 'INVALID_ARGUMENT' whose `argument` is `<file>:<field>`, e.g.
 * `model.safetensors:decoder.layers.0.fc1.weight` or `config.json:d_model`, so callers and tests can tell
 * exactly which tensor or field was at fault.
 */
export function loadError(
  file: string,
  field: string,
  message: string,
  expected?: string,
  given?: string,
): AttnkitError {
  return new AttnkitError('INVALID_ARGUMENT', `${file}: ${field}: ${message}`, {
    argument: `${file}:${field}`,
    ...(expected !== undefined && { expected }),
    ...(given !== undefined && { given }),
  });
}

export function argumentError(op: string, argument: string, message: string): AttnkitError {
  return new AttnkitError('INVALID_ARGUMENT', `${op}: ${argument} ${message}`, { argument });
}
