/**
 * A minimal reader for the protobuf wire format: enough to walk a message's fields and
 * decode the scalar, string and nested-message values Recert needs from Baton files.
 * Field numbers and wire types follow https://protobuf.dev/programming-guides/encoding/.
 */

/** Wire types of the protobuf encoding. Groups (3 and 4) are deprecated and rejected. */
export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  fixed32: 5,
} as const;

/** Raised when bytes are not a valid protobuf message (truncated, or an unknown wire type). */
export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A cursor over one encoded message; `next()` steps through its fields in order. */
export class ProtobufReader {
  private position: number;
  /** Field number of the field `next()` last returned. */
  fieldNumber = 0;
  /** Wire type of the field `next()` last returned. */
  wireType = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.position = start;
  }

  /** Advances to the next field's tag; returns false at the end of the message. */
  next(): boolean {
    if (this.position >= this.end) return false;
    const tag = this.varint();
    this.fieldNumber = tag >>> 3;
    this.wireType = tag & 7;
    if (this.fieldNumber === 0) throw new ProtobufDecodeError('invalid field number 0');
    return true;
  }

  /** Reads an unsigned varint of up to 53 bits (JavaScript's safe integer range). */
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (this.position >= this.end) throw new ProtobufDecodeError('truncated varint');
      const byte = this.bytes[this.position++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  /** Reads a length-delimited field and returns the [start, end) range of its bytes. */
  range(): [number, number] {
    const length = this.varint();
    const start = this.position;
    const end = start + length;
    if (end > this.end) throw new ProtobufDecodeError('length-delimited field runs past the end');
    this.position = end;
    return [start, end];
  }

  string(): string {
    const [start, end] = this.range();
    return utf8.decode(this.bytes.subarray(start, end));
  }

  /** Returns a reader over a nested message. */
  message(): ProtobufReader {
    const [start, end] = this.range();
    return new ProtobufReader(this.bytes, start, end);
  }

  /** The raw bytes of a length-delimited field, without copying. */
  bytesField(): Uint8Array {
    const [start, end] = this.range();
    return this.bytes.subarray(start, end);
  }

  double(): number {
    if (this.position + 8 > this.end) throw new ProtobufDecodeError('truncated fixed64');
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.position, 8);
    this.position += 8;
    return view.getFloat64(0, true);
  }

  /** Reads a repeated varint field, packed (proto3 default) or not. */
  packedVarints(): number[] {
    if (this.wireType !== WireType.lengthDelimited) return [this.varint()];
    const inner = this.message();
    const values: number[] = [];
    while (inner.position < inner.end) values.push(inner.varint());
    return values;
  }

  /** Skips the value of the current field. */
  skip(): void {
    switch (this.wireType) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.lengthDelimited:
        this.range();
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${this.wireType}`);
    }
  }

  private advance(count: number) {
    if (this.position + count > this.end) throw new ProtobufDecodeError('truncated field');
    this.position += count;
  }
}
