"""Assembles the model from ModelChunks in any downlink encoding, with the checks of
ClientSession::handle_chunk (docs/protocol.md, sections 6 and 14)."""
import numpy as np

from . import model_codec, wire

# What on_chunk returns.
PARTIAL = "partial"      # a chunk written, more to come
COMPLETE = "complete"    # the last chunk: the model of `version` is whole
IGNORED = "ignored"      # the rest of a model already given up
FAILED = "failed"        # a bad chunk: ask for the model (ModelRequest)


class ModelReceiver:
    def __init__(self):
        self.model = np.zeros(0, dtype=np.float32)
        self.version = 0       # of the last whole model
        self.holds = False     # the model is exactly the coordinator's reference: deltas apply
        self.assembling = 0    # version of the chunks being written
        self.next_offset = 0   # None: resynchronising, waiting for an offset-0 chunk
        self.applied = {name: 0 for name in model_codec.NAMES.values()}  # chunks, by encoding
        self.failures = {}     # chunks refused, by reason

    def reset(self, dim):
        """A Config: a fresh model of `dim` zeros, no base for deltas (the coordinator's
        next model after a Hello is dense)."""
        self.model = np.zeros(dim, dtype=np.float32)
        self.holds = False
        self.next_offset = 0

    def on_chunk(self, chunk):
        offset, total = chunk.Offset(), chunk.Total()
        if self.next_offset is None and offset != 0:
            return IGNORED  # the rest of a broken model (docs/protocol.md, section 6)
        encoding = chunk.Encoding()
        weights = wire.chunk_weights(chunk) if encoding == model_codec.DENSE else None
        count = len(weights) if weights is not None else chunk.Count()
        if total != len(self.model) or not 1 <= count <= total - offset:
            return self.fail("does not fit the model")
        if offset != 0 and (offset != self.next_offset or chunk.Version() != self.assembling):
            return self.fail("out of order")
        held = self.model[offset:offset + count]
        if weights is not None:
            values = weights
        else:
            reason = self.why_not_applicable(chunk, encoding, count)
            if reason:
                return self.fail(reason)
            values = model_codec.decode(encoding, wire.chunk_packed(chunk), chunk.Scale(), held)
        # Verified before anything is written, then written in place.
        if model_codec.crc32(values) != chunk.Crc32():
            return self.fail("CRC-32")
        if not np.isfinite(values).all():
            return self.fail("not finite")
        held[:] = values
        self.applied[model_codec.NAMES[encoding]] += 1
        self.assembling = chunk.Version()
        self.next_offset = offset + count
        if self.next_offset < total:
            return PARTIAL
        self.next_offset = 0
        self.version = self.assembling
        self.holds = True
        return COMPLETE

    def why_not_applicable(self, chunk, encoding, count):
        """"" when an encoded chunk can be decoded onto this model, else why not."""
        if encoding not in model_codec.APPLIED:
            return "encoding not announced"
        if chunk.PackedLength() != model_codec.packed_bytes(encoding, count):
            return "packed length"
        # A delta applies only to the exact model it was coded against.
        on_base = self.holds and chunk.BaseVersion() == self.version
        if model_codec.is_delta(encoding) and not on_base:
            return "base version"
        return ""

    def fail(self, reason):
        """Drops the partial model; part of it may already be the next version, so no
        delta applies to it until a dense model comes (a ModelRequest brings one)."""
        self.failures[reason] = self.failures.get(reason, 0) + 1
        self.resync()
        self.holds = False
        return FAILED

    def resync(self):
        """Waits for the offset-0 chunk of the next model, ignoring the rest of this one."""
        self.next_offset = None
