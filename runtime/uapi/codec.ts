// Encoding ABI structs to and from bytes for ioctls that are off the hot path.
import koffi from 'koffi';

export type StructType = ReturnType<typeof koffi.struct>;

/** The bytes of `value` laid out as the C struct `type`. */
export function encodeStruct(type: StructType, value: object, size = koffi.sizeof(type)): Uint8Array {
  const bytes = new Uint8Array(size);
  koffi.encode(bytes, 0, type, value);
  return bytes;
}

/** The C struct `type` at `offset` in `bytes`, as a plain object. */
export function decodeStruct<T>(bytes: Uint8Array, type: StructType, offset = 0): T {
  return koffi.decode(offset === 0 ? bytes : bytes.subarray(offset), type) as T;
}

/** Writes `value` as the C struct `type` into `bytes` at `offset`. */
export function encodeInto(bytes: Uint8Array, offset: number, type: StructType, value: object): void {
  koffi.encode(bytes, offset, type, value);
}

export function sizeOf(type: StructType): number {
  return koffi.sizeof(type);
}
