// The few protobuf wire-format encoders the Event/Summary messages need
// (varint, 64-bit, 32-bit and length-delimited fields), so writing event
// files needs no dependency. Field order follows field numbers, as protoc does.
const WIRE_VARINT = 0;
const WIRE_64BIT = 1;
const WIRE_LEN = 2;
const WIRE_32BIT = 5;

export class ProtoWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): this {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
    return this;
  }

  #varint(value: bigint): this {
    // int64 fields are two's complement: a negative value takes 10 bytes
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return this.#push(Uint8Array.from(out));
  }

  #key(field: number, wire: number): this {
    return this.#varint(BigInt((field << 3) | wire));
  }

  int64(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`protobuf int64 field ${field}: ${value} is not a safe integer`);
    return this.#key(field, WIRE_VARINT).#varint(BigInt(value));
  }

  double(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return this.#key(field, WIRE_64BIT).#push(b);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.#key(field, WIRE_32BIT).#push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.#key(field, WIRE_LEN).#varint(BigInt(value.length)).#push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message. */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
