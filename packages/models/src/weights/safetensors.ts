import { loadError, shown } from '../errors.js';

/**
 * A small, strict reader and writer for the safetensors format (huggingface/safetensors):
 *
 *   [8 bytes: N, little-endian u64] [N bytes: UTF-8 JSON header] [data bytes]
 *   header = { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, "__metadata__"?: {..} }
 *
 * Offsets are relative to the start of the data bytes. Written here because no maintained JavaScript
 * library reads safetensors (the `safetensors` name on npm is an empty placeholder). Strict means: every
 * byte of the data section belongs to exactly one tensor, sizes match shapes, and anything unexpected in
 * the header is an error naming the tensor.
 */
export type SafetensorsDType = 'F32' | 'I32' | 'U8' | 'BOOL';

export interface StoredTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, StoredTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const BYTES: Record<SafetensorsDType, number> = { F32: 4, I32: 4, U8: 1, BOOL: 1 };
/** Dtypes of the format that this reader refuses by name rather than as garbage. */
const KNOWN_UNSUPPORTED = ['F64', 'F16', 'BF16', 'I64', 'I16', 'I8', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2'];
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const ENTRY_KEYS = ['data_offsets', 'dtype', 'shape'];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function readSafetensors(bytes: Uint8Array | ArrayBuffer, file = 'model.safetensors'): SafetensorsFile {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buf.byteLength < 8)
    throw loadError(
      file,
      '(header length)',
      `file is truncated: ${buf.byteLength} bytes, the 8-byte header length is missing`,
    );
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(buf.byteLength - 8)) {
    throw loadError(
      file,
      '(header length)',
      `header length ${headerLength} goes beyond the end of the file (${buf.byteLength} bytes)`,
    );
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES))
    throw loadError(file, '(header length)', `header length ${headerLength} exceeds ${MAX_HEADER_BYTES} bytes`);
  const n = Number(headerLength);
  if (n < 2 || buf[8] !== 0x7b) throw loadError(file, '(header)', 'header must be a JSON object starting with "{"');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (error) {
    throw loadError(file, '(header)', `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw loadError(file, '(header)', 'header must be a JSON object');

  const dataStart = 8 + n;
  const dataLength = buf.byteLength - dataStart;
  const metadata = readMetadata(header as Record<string, unknown>, file);
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    entries.push({ name, ...readEntry(name, raw, dataLength, file) });
  }

  // Every data byte must belong to exactly one tensor: no holes, no overlaps, nothing left over.
  const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of ordered) {
    if (e.begin !== cursor) {
      const what =
        e.begin < cursor ? 'overlaps the previous tensor' : `leaves a hole of ${e.begin - cursor} bytes before it`;
      throw loadError(file, e.name, `data_offsets [${e.begin}, ${e.end}] ${what}`);
    }
    cursor = e.end;
  }
  if (cursor !== dataLength) {
    throw loadError(
      file,
      '(data)',
      `the data section has ${dataLength} bytes but the tensors cover ${cursor} (truncated or trailing bytes)`,
    );
  }

  const tensors = new Map<string, StoredTensor>();
  for (const e of entries) {
    const slice = buf.subarray(dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(slice, e.dtype) });
  }
  return { tensors, metadata };
}

function readMetadata(header: Record<string, unknown>, file: string): Record<string, string> {
  const meta = header.__metadata__;
  if (meta === undefined) return {};
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw loadError(file, '__metadata__', 'must be an object of strings');
  for (const [key, value] of Object.entries(meta)) {
    if (typeof value !== 'string')
      throw loadError(file, `__metadata__.${key}`, 'must be a string', 'string', typeof value);
  }
  return meta as Record<string, string>;
}

function readEntry(name: string, raw: unknown, dataLength: number, file: string) {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw loadError(file, name, 'entry must be an object { dtype, shape, data_offsets }');
  const entry = raw as Record<string, unknown>;
  const keys = Object.keys(entry).sort();
  if (keys.join() !== ENTRY_KEYS.join())
    throw loadError(
      file,
      name,
      `entry must have exactly the keys dtype, shape, data_offsets`,
      ENTRY_KEYS.join(', '),
      keys.join(', '),
    );
  const { dtype, shape, data_offsets: offsets } = entry;
  // Own keys only: `in` would take `constructor` or `toString` for a dtype.
  if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) {
    const why = KNOWN_UNSUPPORTED.includes(dtype as string)
      ? 'is not supported (use F32, I32, U8 or BOOL)'
      : 'is not a safetensors dtype';
    throw loadError(file, name, `dtype ${shown(dtype)} ${why}`, 'F32 | I32 | U8 | BOOL', shown(dtype));
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw loadError(file, name, 'shape must be an array of non-negative integers', 'integer[]', shown(shape));
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw loadError(
      file,
      name,
      'data_offsets must be [begin, end] with 0 ≤ begin ≤ end',
      '[begin, end]',
      shown(offsets),
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength)
    throw loadError(
      file,
      name,
      `data_offsets end ${end} goes beyond the data section (${dataLength} bytes): the file is truncated`,
    );
  // Exact (BigInt): a float product of 2^53-sized dimensions rounds, overflows to Infinity, and ∞ · 0 is NaN.
  const expectedBytes =
    shape.reduce((p: bigint, d: number) => p * BigInt(d), 1n) * BigInt(BYTES[dtype as SafetensorsDType]);
  if (BigInt(end - begin) !== expectedBytes) {
    throw loadError(
      file,
      name,
      `holds ${end - begin} bytes but shape ${shown(shape)} of ${dtype} needs ${expectedBytes}`,
      String(expectedBytes),
      String(end - begin),
    );
  }
  return { dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end };
}

/** A plain Uint8Array copy in a fresh ArrayBuffer. Not `bytes.slice()`: on a Node Buffer, slice is a view of the file. */
function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function decode(bytes: Uint8Array, dtype: SafetensorsDType): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'U8' || dtype === 'BOOL') return copyOf(bytes);
  const count = bytes.byteLength / 4;
  const copy = copyOf(bytes); // a fresh, aligned buffer
  if (LITTLE_ENDIAN)
    return dtype === 'F32' ? new Float32Array(copy.buffer, 0, count) : new Int32Array(copy.buffer, 0, count);
  const view = new DataView(copy.buffer);
  const out = dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = dtype === 'F32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
  return out;
}

export interface TensorToWrite {
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
  /** Default: F32 for Float32Array, I32 for Int32Array, U8 for Uint8Array. */
  readonly dtype?: SafetensorsDType;
}

/** Tensors in name order, header padded with spaces so the data section starts 8-byte aligned. */
export function writeSafetensors(
  tensors: Readonly<Record<string, TensorToWrite>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const dtype = t.dtype ?? (t.data instanceof Float32Array ? 'F32' : t.data instanceof Int32Array ? 'I32' : 'U8');
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length)
      throw loadError(
        'safetensors (write)',
        name,
        `shape [${t.shape.join(',')}] needs ${count} elements, data has ${t.data.length}`,
      );
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let cursor = 8 + json.byteLength;
  for (const name of names) {
    const data = tensors[name].data;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (LITTLE_ENDIAN || data instanceof Uint8Array) out.set(bytes, cursor);
    else {
      const view = new DataView(out.buffer);
      for (let i = 0; i < data.length; i++) {
        if (data instanceof Float32Array) view.setFloat32(cursor + i * 4, data[i], true);
        else view.setInt32(cursor + i * 4, data[i], true);
      }
    }
    cursor += data.byteLength;
  }
  return out;
}
