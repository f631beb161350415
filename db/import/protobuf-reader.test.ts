import { describe, expect, it } from 'vitest';
import { ProtobufDecodeError, ProtobufReader } from './protobuf-reader.js';

/** Encodes a tag and a length-delimited payload, for building test messages by hand. */
function field(number: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return Uint8Array.from([(number << 3) | 2, bytes.length, ...bytes]);
}

describe('ProtobufReader', () => {
  it('reads multi-byte varints', () => {
    const reader = new ProtobufReader(Uint8Array.from([0xac, 0x02, 0x96, 0x01]));
    expect(reader.varint()).toBe(300);
    expect(reader.varint()).toBe(150);
  });

  it('walks strings and nested messages', () => {
    const inner = field(2, 'user-1');
    const message = Uint8Array.from([...field(1, inner), ...field(3, 'User One'), 0x20, 0x01]);
    const reader = new ProtobufReader(message);
    const seen: Record<number, unknown> = {};
    while (reader.next()) {
      if (reader.fieldNumber === 1) {
        const nested = reader.message();
        nested.next();
        seen[1] = nested.string();
      } else if (reader.fieldNumber === 3) seen[3] = reader.string();
      else seen[reader.fieldNumber] = reader.varint();
    }
    expect(seen).toEqual({ 1: 'user-1', 3: 'User One', 4: 1 });
  });

  it('skips fields of every wire type', () => {
    const fixed64 = [0x09, 1, 2, 3, 4, 5, 6, 7, 8];
    const fixed32 = [0x15, 1, 2, 3, 4];
    const message = Uint8Array.from([...fixed64, ...fixed32, ...field(3, 'kept')]);
    const reader = new ProtobufReader(message);
    reader.next();
    reader.skip();
    reader.next();
    reader.skip();
    reader.next();
    expect(reader.string()).toBe('kept');
    expect(reader.next()).toBe(false);
  });

  it('rejects a length past the end', () => {
    const reader = new ProtobufReader(Uint8Array.from([0x0a, 10, 1, 2]));
    reader.next();
    expect(() => reader.string()).toThrow(ProtobufDecodeError);
  });

  it('rejects a truncated varint', () => {
    const reader = new ProtobufReader(Uint8Array.from([0x08, 0xff]));
    reader.next();
    expect(() => reader.varint()).toThrow(/truncated varint/);
  });

  it('rejects deprecated group wire types', () => {
    const reader = new ProtobufReader(Uint8Array.from([0x0b]));
    reader.next();
    expect(() => reader.skip()).toThrow(/unsupported wire type 3/);
  });
});
