/**
 * The few protobuf encodings an ONNX ModelProto needs: varints, length-delimited fields, fixed32 floats.
 * A message is built as a list of encoded fields and concatenated; nothing is decoded.
 */
const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH = 2;

const utf8 = new TextEncoder();

export type Field = Uint8Array;

export function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(bytes);
}

function key(field: number, wire: number): Uint8Array {
  return varint((field << 3) | wire);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function intField(field: number, value: number | bigint): Field {
  return concatBytes([key(field, WIRE_VARINT), varint(value)]);
}

export function floatField(field: number, value: number): Field {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return concatBytes([key(field, WIRE_FIXED32), bytes]);
}

export function bytesField(field: number, value: Uint8Array): Field {
  return concatBytes([key(field, WIRE_LENGTH), varint(value.length), value]);
}

export function stringField(field: number, value: string): Field {
  return bytesField(field, utf8.encode(value));
}

export function messageField(field: number, fields: readonly Field[]): Field {
  return bytesField(field, concatBytes(fields));
}
