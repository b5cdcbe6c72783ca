import { AttnkitError } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../src/index.js';

/** Builds a file from a raw header object and data bytes, for malformed cases the writer never makes. */
function rawFile(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectLoadError(fn: () => unknown, argument: string, message?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AttnkitError);
    expect((error as AttnkitError).code).toBe('INVALID_ARGUMENT');
    expect((error as AttnkitError).argument).toBe(argument);
    if (message) expect((error as AttnkitError).message).toMatch(message);
    return;
  }
  throw new Error('expected a load error');
}

const f32 = (n: number) => new Uint8Array(new Float32Array(n).fill(1.5).buffer);
const FILE = 'model.safetensors';

describe('safetensors', () => {
  it('round-trips F32, I32 and U8 tensors with metadata, header padded to 8 bytes', () => {
    const a = Float32Array.from([1, -2.5, 3e-8, 4e8, Math.PI, 0]);
    const b = Int32Array.from([7, -1, 2 ** 31 - 1]);
    const c = Uint8Array.from([1, 0, 1]);
    const bytes = writeSafetensors(
      { 'w.a': { shape: [2, 3], data: a }, b: { shape: [3], data: b }, c: { shape: [3], data: c, dtype: 'BOOL' } },
      { format: 'pt' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.tensors.get('w.a')).toEqual({ dtype: 'F32', shape: [2, 3], data: a });
    expect(file.tensors.get('b')).toEqual({ dtype: 'I32', shape: [3], data: b });
    expect(file.tensors.get('c')).toEqual({ dtype: 'BOOL', shape: [3], data: c });
  });

  it('reads a Node Buffer (as fs.readFile returns it) with the right values, not the start of the file', () => {
    const a = Float32Array.from([1, 2, 3]);
    const b = Int32Array.from([4, 5]);
    const c = Uint8Array.from([6, 7]);
    const bytes = writeSafetensors({
      a: { shape: [3], data: a },
      b: { shape: [2], data: b },
      c: { shape: [2], data: c },
    });
    // A Buffer inside a larger pool, as small reads are: its subarrays' slice() are views.
    const pool = Buffer.alloc(bytes.length + 16);
    pool.set(bytes, 16);
    const file = readSafetensors(pool.subarray(16));
    expect(file.tensors.get('a')?.data).toEqual(a);
    expect(file.tensors.get('b')?.data).toEqual(b);
    expect(file.tensors.get('c')?.data).toEqual(c);
    expect((file.tensors.get('a')!.data as Float32Array).buffer).not.toBe(pool.buffer);
  });

  it('reads a file laid out by hand (offsets into the data section, little-endian)', () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat32(0, 0.25, true);
    new DataView(data.buffer).setInt32(4, -3, true);
    new DataView(data.buffer).setInt32(8, 9, true);
    const file = readSafetensors(
      rawFile(
        {
          x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          y: { dtype: 'I32', shape: [2], data_offsets: [4, 12] },
        },
        data,
      ),
    );
    expect([...(file.tensors.get('x')!.data as Float32Array)]).toEqual([0.25]);
    expect([...(file.tensors.get('y')!.data as Int32Array)]).toEqual([-3, 9]);
  });

  it('accepts zero-size tensors and an empty file body', () => {
    expect(
      readSafetensors(writeSafetensors({ e: { shape: [0, 4], data: new Float32Array(0) } })).tensors.get('e')!.shape,
    ).toEqual([0, 4]);
    expect(readSafetensors(rawFile({}, new Uint8Array(0))).tensors.size).toBe(0);
  });

  const good = () => ({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
  const cases: [string, () => Uint8Array, string, RegExp][] = [
    ['a file shorter than the 8-byte length', () => new Uint8Array(5), '(header length)', /truncated/],
    [
      'a header length beyond the file',
      () => rawFile(good(), f32(2), 10_000),
      '(header length)',
      /beyond the end of the file/,
    ],
    ['a header that is not JSON', () => rawFile('{"x": nope}', f32(2)), '(header)', /not valid UTF-8 JSON/],
    ['a header that is not an object', () => rawFile('[1,2]', new Uint8Array(0)), '(header)', /JSON object/],
    ['a truncated data section', () => rawFile(good(), f32(1)), 'x', /truncated/],
    ['trailing bytes after the last tensor', () => rawFile(good(), f32(3)), '(data)', /covers? 8/],
    [
      'a size that disagrees with the shape',
      () => rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)),
      'x',
      /needs 12/,
    ],
    [
      'an unknown dtype',
      () => rawFile({ x: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, f32(2)),
      'x',
      /not a safetensors dtype/,
    ],
    [
      'an unsupported dtype (F16)',
      () => rawFile({ x: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, f32(2)),
      'x',
      /not supported/,
    ],
    [
      'a negative dimension',
      () => rawFile({ x: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(2)),
      'x',
      /shape/,
    ],
    [
      'offsets in the wrong order',
      () => rawFile({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, f32(2)),
      'x',
      /data_offsets/,
    ],
    ['a missing entry key', () => rawFile({ x: { dtype: 'F32', shape: [2] } }, f32(2)), 'x', /exactly the keys/],
    ['an extra entry key', () => rawFile({ x: { ...good().x, name: 'x' } }, f32(2)), 'x', /exactly the keys/],
    [
      'overlapping tensors',
      () =>
        rawFile(
          {
            x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          f32(2),
        ),
      'y',
      /overlaps/,
    ],
    [
      'a hole between tensors',
      () =>
        rawFile(
          {
            x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            y: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          f32(3),
        ),
      'y',
      /hole of 4 bytes/,
    ],
    [
      'non-string metadata',
      () => rawFile({ __metadata__: { step: 3 }, ...good() }, f32(2)),
      '__metadata__.step',
      /string/,
    ],
  ];
  it.each(cases)('rejects %s, naming the tensor or field', (_, make, field, message) => {
    expectLoadError(() => readSafetensors(make()), `${FILE}:${field}`, message);
  });

  it('the writer refuses data that disagrees with the shape', () => {
    expect(() => writeSafetensors({ x: { shape: [3], data: new Float32Array(2) } })).toThrow(AttnkitError);
  });
});
