import { describe, expect, it } from 'vitest';
import { invalidArgument, shapeError } from '../src/errors.js';
import { AttnkitError, formatShape, isAttnkitError } from '../src/index.js';

describe('AttnkitError', () => {
  it('carries its code, argument, expected and given values', () => {
    const error = shapeError('attention', 'k', [1, '*', 5, 4], [1, 2, 6, 4], 'length of v');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AttnkitError');
    expect(error.code).toBe('SHAPE_MISMATCH');
    expect(error.message).toBe('attention: k has shape [1,2,6,4] but expected [1,*,5,4] (length of v)');
    expect([error.argument, error.expected, error.given]).toEqual(['k', '[1,*,5,4]', '[1,2,6,4]']);
    expect(formatShape([])).toBe('[]');
  });

  it('keeps a cause', () => {
    const cause = new Error('driver');
    expect(new AttnkitError('BACKEND_FAILURE', 'failed', { cause }).cause).toBe(cause);
  });

  it('isAttnkitError checks the code, and recognizes an error from another copy of core', () => {
    const error = new AttnkitError('DISPOSED', 'gone');
    expect(isAttnkitError(error)).toBe(true);
    expect(isAttnkitError(error, 'DISPOSED')).toBe(true);
    expect(isAttnkitError(error, 'UNSUPPORTED')).toBe(false);
    const foreign = Object.assign(new Error('from dist'), { name: 'AttnkitError', code: 'UNSUPPORTED' });
    expect(isAttnkitError(foreign, 'UNSUPPORTED')).toBe(true);
    expect(isAttnkitError(new Error('plain'))).toBe(false);
    expect(isAttnkitError({ name: 'AttnkitError', code: 'DISPOSED' })).toBe(false);
  });

  it('describes bad values briefly and safely: no data dumps, no throw on cycles or BigInt', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const big = { data: new Float32Array(1_000_000), shape: [1000, 1000] };
    expect(invalidArgument('op', 'x', 'a tensor', cyclic).message).toBe(
      'op: x must be a tensor, got Object { a, self }',
    );
    expect(invalidArgument('op', 'x', 'a tensor', big).message).toBe(
      'op: x must be a tensor, got {"data":"Float32Array(1000000)","shape":"[1000,1000]"}',
    );
    expect(invalidArgument('op', 'x', 'a number', 10n).given).toBe('10');
    expect(invalidArgument('op', 'x', 'a number', { n: 10n }).given).toBe('Object { n }');
    expect(invalidArgument('op', 'x', 'a list', new Array(100).fill(0)).given).toBe('array(100)');
    expect(invalidArgument('op', 'x', 'a string', 'yes').given).toBe('"yes"');
  });
});
