"""The values of a ModelChunk in each downlink encoding (docs/protocol.md, section 14),
bit for bit what the C++ clients compute.

Fp16 is IEEE binary16; every half is exactly a float32, so numpy's conversion is exact.
Int8Delta and Int4Delta are held + scale * q in float32: the scale is a power of two, so
scale * q is exact and the sum rounds once, as in C++ with or without fused multiply-add."""
import zlib

import numpy as np
from fedgate.wire import ModelEncoding

DENSE = ModelEncoding.ModelEncoding.Dense
FP16 = ModelEncoding.ModelEncoding.Fp16
INT8_DELTA = ModelEncoding.ModelEncoding.Int8Delta
INT4_DELTA = ModelEncoding.ModelEncoding.Int4Delta

# What this client announces in Hello.model_encodings: all of them, as ClientSession does.
APPLIED = (FP16, INT8_DELTA, INT4_DELTA)
NAMES = {DENSE: "dense", FP16: "fp16", INT8_DELTA: "int8-delta", INT4_DELTA: "int4-delta"}


def is_delta(encoding):
    return encoding in (INT8_DELTA, INT4_DELTA)


def packed_bytes(encoding, count):
    """The length `packed` must have for `count` values (0 for Dense, which uses weights)."""
    return {FP16: 2 * count, INT8_DELTA: count, INT4_DELTA: (count + 1) // 2}.get(encoding, 0)


def quantized(encoding, packed, count):
    """The signed q of a delta chunk: bytes, or nibbles with value i in byte i // 2, even
    i in the low nibble."""
    if encoding == INT8_DELTA:
        return packed.view(np.int8)[:count].astype(np.float32)
    nibbles = np.empty(2 * len(packed), dtype=np.int8)
    nibbles[0::2] = packed & 0xF
    nibbles[1::2] = packed >> 4
    nibbles = nibbles[:count]
    return np.where(nibbles >= 8, nibbles - 16, nibbles).astype(np.float32)


def decode(encoding, packed, scale, held):
    """The chunk's float32 values. `packed`: the chunk's bytes (uint8 array of
    packed_bytes() length); `held`: the values the client holds at those positions
    (read only by the delta encodings). Nothing is written."""
    if encoding == FP16:
        return packed.view("<f2").astype(np.float32)
    return held + np.float32(scale) * quantized(encoding, packed, len(held))


def crc32(values):
    """CRC-32 of float32 values' little-endian bytes (docs/protocol.md, section 4.3)."""
    return zlib.crc32(np.asarray(values, dtype="<f4").tobytes())
