"""Builds and reads fedgate messages through the flatc --python bindings
(docs/protocol.md, sections 2 and 3)."""
import flatbuffers
import numpy as np
from fedgate.wire import (Bye, Codec, Config, Decision, Envelope, Error, Hello, Message,
                          ModelChunk, ModelRequest, Offer, OfferBody, Update, UpdateKind)

PROTOCOL_VERSION = 2
FILE_IDENTIFIER = b"FGT1"


def _finish(builder, seq, message_type, body):
    Envelope.Start(builder)
    Envelope.AddProtocolVersion(builder, PROTOCOL_VERSION)
    Envelope.AddSeq(builder, seq)
    Envelope.AddMessageType(builder, message_type)
    Envelope.AddMessage(builder, body)
    builder.Finish(Envelope.End(builder), file_identifier=FILE_IDENTIFIER)
    return bytes(builder.Output())


def hello(seq, num_features, num_classes, name, model_encodings, device_class=1):
    """`model_encodings`: the ModelChunk encodings the client applies besides Dense."""
    builder = flatbuffers.Builder(256)
    name_offset = builder.CreateString(name)
    # Updates go dense only: a dense-only client lists just Dense (docs/protocol.md, Hello.codecs).
    Hello.StartCodecsVector(builder, 1)
    builder.PrependUint8(Codec.Codec.Dense)
    codecs = builder.EndVector()
    Hello.StartModelEncodingsVector(builder, len(model_encodings))
    for encoding in reversed(model_encodings):  # a vector is built back to front
        builder.PrependUint8(encoding)
    encodings = builder.EndVector()
    Hello.Start(builder)
    Hello.AddDeviceClass(builder, device_class)
    Hello.AddNumFeatures(builder, num_features)
    Hello.AddNumClasses(builder, num_classes)
    Hello.AddCodecs(builder, codecs)
    Hello.AddName(builder, name_offset)
    Hello.AddModelEncodings(builder, encodings)
    return _finish(builder, seq, Message.Message.Hello, Hello.End(builder))


def offer(seq, version, grad_norm, loss):
    builder = flatbuffers.Builder(64)
    Offer.Start(builder)
    # A struct field is written inline, inside the table being built.
    Offer.AddBody(builder, OfferBody.CreateOfferBody(builder, version, grad_norm, loss))
    return _finish(builder, seq, Message.Message.Offer, Offer.End(builder))


def dense_update(seq, version, gradient, grad_norm, samples, compute_us):
    builder = flatbuffers.Builder(len(gradient) * 4 + 256)
    values = builder.CreateNumpyVector(gradient.astype("<f4"))
    Update.Start(builder)
    Update.AddVersion(builder, version)
    Update.AddKind(builder, UpdateKind.UpdateKind.Gradient)
    Update.AddCodec(builder, Codec.Codec.Dense)
    Update.AddGradNorm(builder, grad_norm)
    Update.AddDim(builder, len(gradient))
    Update.AddValues(builder, values)
    Update.AddSamples(builder, samples)
    Update.AddComputeUs(builder, compute_us)
    Update.AddSteps(builder, 1)
    return _finish(builder, seq, Message.Message.Update, Update.End(builder))


def model_request(seq, have_version):
    builder = flatbuffers.Builder(64)
    ModelRequest.Start(builder)
    ModelRequest.AddHaveVersion(builder, have_version)
    return _finish(builder, seq, Message.Message.ModelRequest, ModelRequest.End(builder))


def bye(seq, reason, text):
    builder = flatbuffers.Builder(256)
    text_offset = builder.CreateString(text)
    Bye.Start(builder)
    Bye.AddReason(builder, reason)
    Bye.AddMessage(builder, text_offset)
    return _finish(builder, seq, Message.Message.Bye, Bye.End(builder))


_BODIES = {
    Message.Message.Config: Config.Config,
    Message.Message.ModelChunk: ModelChunk.ModelChunk,
    Message.Message.Decision: Decision.Decision,
    Message.Message.Bye: Bye.Bye,
    Message.Message.Error: Error.Error,
}


def parse(data):
    """(message_type, body) of a received buffer, or (None, reason) when it is not
    a message of this protocol version. The Python bindings have no verifier:
    only a trusted coordinator should be read this way."""
    if len(data) < 8 or data[4:8] != FILE_IDENTIFIER:
        return None, "not a fedgate message"
    envelope = Envelope.Envelope.GetRootAs(data, 0)
    if envelope.ProtocolVersion() != PROTOCOL_VERSION:
        return None, f"protocol version {envelope.ProtocolVersion()}, this client speaks {PROTOCOL_VERSION}"
    kind = envelope.MessageType()
    table = envelope.Message()
    if kind not in _BODIES or table is None:
        return kind, None
    body = _BODIES[kind]()
    body.Init(table.Bytes, table.Pos)
    return kind, body


def chunk_weights(chunk):
    """A ModelChunk's weights as float32 (little-endian on the wire)."""
    if chunk.WeightsIsNone():
        return np.zeros(0, dtype=np.float32)
    return chunk.WeightsAsNumpy().astype(np.float32)


def chunk_packed(chunk):
    """A ModelChunk's packed bytes (the encoded values) as uint8."""
    if chunk.PackedIsNone():
        return np.zeros(0, dtype=np.uint8)
    return chunk.PackedAsNumpy()
