"""The Python client's downlink decoder (python/fedgate_client/model_codec.py and
model_receiver.py) against messages the C++ coordinator's ModelDownlink produced
(downlink_vectors): in every encoding the model the Python client assembles must be
bit for bit what the C++ side says the client holds (docs/protocol.md, section 14),
and a chunk that does not apply must be refused with the model left untouched.

usage: python_model_codec_test.py DOWNLINK_VECTORS PYTHON_DIR BINDINGS_DIR
"""
import subprocess
import sys

vectors_bin, python_dir, bindings_dir = sys.argv[1:4]
sys.dont_write_bytecode = True
sys.path[:0] = [python_dir, bindings_dir]
import numpy as np  # noqa: E402
from fedgate.wire import Envelope, Hello, Message  # noqa: E402
from fedgate_client import model_codec, model_receiver, wire  # noqa: E402

output = subprocess.run([vectors_bin], check=True, capture_output=True, text=True).stdout
sequences = {}  # name -> [("chunk", bytes) | ("model", version, float32 array)]
halves = None
for line in output.splitlines():
    fields = line.split()
    if fields[0] == "sequence":
        current = sequences.setdefault(fields[1], [])
    elif fields[0] == "chunk":
        current.append(("chunk", bytes.fromhex(fields[1])))
    elif fields[0] == "model":
        current.append(("model", int(fields[1]), np.frombuffer(bytes.fromhex(fields[2]), "<f4")))
    elif fields[0] == "halves":
        halves = np.frombuffer(bytes.fromhex(fields[1]), "<u4")
assert sorted(sequences) == ["dense", "fp16", "int4-delta", "int8-delta"], sorted(sequences)
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def chunk_of(data):
    kind, body = wire.parse(data)
    assert kind == Message.Message.ModelChunk, kind
    return body


def fresh_receiver(dim):
    receiver = model_receiver.ModelReceiver()
    receiver.reset(dim)
    return receiver


# 1. Every binary16 pattern decodes to C++'s half_to_float, bit for bit (NaN payloads too).
mine = np.arange(65536, dtype="<u2").view("<f2").astype(np.float32).view("<u4")
differ = np.nonzero(mine != halves)[0]
check(len(differ) == 0, f"fp16: {len(differ)} of 65536 halves differ from C++, first "
      f"{[hex(h) for h in differ[:4]]}")

# 2. Each sequence assembled as the coordinator sent it: the model after each one is C++'s.
dim = next(len(record[2]) for record in sequences["dense"] if record[0] == "model")
for name, records in sorted(sequences.items()):
    receiver = fresh_receiver(dim)
    models = 0
    for record in records:
        if record[0] == "chunk":
            outcome = receiver.on_chunk(chunk_of(record[1]))
            check(outcome in (model_receiver.PARTIAL, model_receiver.COMPLETE),
                  f"{name}: a chunk was {outcome}: {receiver.failures}")
            continue
        _, version, expected = record
        models += 1
        check(receiver.version == version,
              f"{name}: holds version {receiver.version}, not {version}")
        differ = np.nonzero(receiver.model.view("<u4") != expected.view("<u4"))[0]
        check(len(differ) == 0, f"{name} version {version}: {len(differ)} weights differ from "
              f"C++, first at {differ[:3]}: {receiver.model[differ[:3]]} vs {expected[differ[:3]]}")
    # The delta sequences start dense (nothing to code against) and then go encoded.
    encoded = sum(count for encoding, count in receiver.applied.items() if encoding != "dense")
    check(models == 8 and (name == "dense") == (encoded == 0),
          f"{name}: {models} models, chunks applied {receiver.applied}")
    check(name == "dense" or receiver.applied[name] > 0, f"{name}: none applied {receiver.applied}")

# 3. Deltas refused: without the base model, with a flipped byte, on a base one ulp off.
messages = [record[1] for record in sequences["int8-delta"] if record[0] == "chunk"]
first_dense = [data for data in messages if chunk_of(data).Encoding() == model_codec.DENSE]
first_delta = next(data for data in messages if model_codec.is_delta(chunk_of(data).Encoding()))

receiver = fresh_receiver(dim)
check(receiver.on_chunk(chunk_of(first_delta)) == model_receiver.FAILED
      and receiver.failures == {"base version": 1},
      f"a delta with no base model: {receiver.failures}")
check(not receiver.model.any(), "a refused delta wrote to the model")

receiver = fresh_receiver(dim)
for data in first_dense:
    receiver.on_chunk(chunk_of(data))
check(receiver.holds, "a whole dense model is a base for deltas")
before = receiver.model.copy()
corrupt = bytearray(first_delta)
packed = bytes(wire.chunk_packed(chunk_of(first_delta)))
corrupt[corrupt.find(packed) + 40] ^= 0x01  # one q (of a weight near 0.1) moves one step
check(receiver.on_chunk(chunk_of(bytes(corrupt))) == model_receiver.FAILED
      and receiver.failures == {"CRC-32": 1}, f"a flipped packed byte: {receiver.failures}")
check(np.array_equal(receiver.model.view("<u4"), before.view("<u4")),
      "a chunk refused for its CRC changed the model")
check(not receiver.holds, "after a refused chunk no delta applies until a dense model")

receiver = fresh_receiver(dim)
for data in first_dense:
    receiver.on_chunk(chunk_of(data))
receiver.model[3] = np.nextafter(receiver.model[3], np.float32(np.inf))
check(receiver.on_chunk(chunk_of(first_delta)) == model_receiver.FAILED
      and receiver.failures == {"CRC-32": 1},
      f"a base one ulp off: {receiver.failures}")

# 4. The Hello announces what the receiver applies.
hello = wire.hello(1, 784, 10, "python-0", model_codec.APPLIED)
envelope = Envelope.Envelope.GetRootAs(hello, 0)
body = Hello.Hello()
table = envelope.Message()
body.Init(table.Bytes, table.Pos)
announced = list(body.ModelEncodingsAsNumpy())
check(announced == [model_codec.FP16, model_codec.INT8_DELTA, model_codec.INT4_DELTA],
      f"Hello.model_encodings {announced}")

for failure in failures:
    print("FAIL:", failure)
print(f"{len(failures)} failures; sequences {sorted(sequences)}, {dim} weights each")
sys.exit(1 if failures else 0)
