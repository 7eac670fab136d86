"""python3 -m fedgate_client: register, train softmax on this client's share, follow
the offer-first cycle with dense updates and every model downlink encoding, exit on Bye
(docs/protocol.md, sections 5, 6 and 14). Prints a JSON summary on stdout at the end.

Exit status as the native client's: 0 after Bye, 4 when the coordinator refused
the client (or runs something this client cannot do), 3 after --give-up-after
seconds of silence."""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import zmq
from fedgate.wire import ByeReason, ErrorCode, Message, ModelKind

from . import model_codec, model_receiver, rng, softmax, wire

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


def load_idx(data_dir):
    """Training images scaled by 1/255 in float32, and labels (the native loader)."""
    with gzip.open(os.path.join(data_dir, "train-images-idx3-ubyte.gz")) as f:
        pixels = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)
    return pixels.astype(np.float32) * np.float32(1.0 / 255.0), labels


class Minibatches:
    """Walks a seeded permutation of the share, reshuffled each epoch, as the
    native LocalTrainer does (core/training/local_trainer.cc)."""

    def __init__(self, share, seed):
        self.order = list(share)
        self.rng = rng.Rng(seed)
        self.cursor = len(self.order)

    def next(self, size):
        rows = []
        for _ in range(size):
            if self.cursor >= len(self.order):
                rng.shuffle(self.order, self.rng)
                self.cursor = 0
            rows.append(self.order[self.cursor])
            self.cursor += 1
        return rows


class Client:
    def __init__(self, options, features, labels, share):
        self.options = options
        self.features = features
        self.labels = labels
        self.batches = Minibatches(share, options.seed or 1000 + options.index)
        self.seq = 0
        self.counts = {"registrations": 0, "offers": 0, "accepted": 0, "rejected": 0,
                       "updates": 0, "updates_refused": 0, "models": 0, "errors": 0,
                       "model_requests": 0, "bytes_down": 0}
        self.config = None
        self.receiver = model_receiver.ModelReceiver()
        # The last Update's seq, to tell an Error that refuses it: one Update is in flight at
        # a time (the next needs a model and an accepted Offer, which follow the Error).
        self.update_seq = None
        self.offered = None  # (version, gradient, norm, compute_us) awaiting a Decision
        self.silence_ms = 3000
        self.reason = ""
        self.losses = []

    def send(self, socket, build, *args):
        self.seq += 1
        socket.send(build(self.seq, *args))

    def register(self, socket):
        self.counts["registrations"] += 1
        self.offered = None
        self.send(socket, wire.hello, self.features.shape[1], 10, self.options.name,
                  model_codec.APPLIED)

    def on_config(self, socket, config):
        """None to go on, or an exit status after telling the coordinator why."""
        trigger = (config.Trigger() or b"offer-first").decode()
        compression = (config.Compression() or b"dense").decode()
        problem = None
        if config.ModelKind() != ModelKind.ModelKind.Softmax:
            problem = f"model kind {config.ModelKind()}: this client trains only softmax"
        elif trigger != "offer-first" or compression != "dense":
            problem = f"trigger {trigger} / compression {compression}: this client runs offer-first/dense"
        elif config.ModelDim() != config.NumClasses() * (config.NumFeatures() + 1):
            problem = f"model_dim {config.ModelDim()} is not softmax's C * (F + 1)"
        if problem:
            self.reason = problem
            self.send(socket, wire.bye, ByeReason.ByeReason.ClientExit, problem)
            return 4
        if self.config is None:
            print(f"{self.options.name}: registered, d = {config.ModelDim()}, "
                  f"batch {config.BatchSize()}", file=sys.stderr, flush=True)
        self.config = config
        self.receiver.reset(config.ModelDim())
        if config.HeartbeatMs():
            self.silence_ms = 3 * config.HeartbeatMs()
        return None

    def request_model(self, socket):
        """After a bad chunk or an Error: the coordinator answers with a dense model."""
        self.counts["model_requests"] += 1
        self.receiver.resync()
        self.send(socket, wire.model_request, self.receiver.version)

    def on_chunk(self, socket, chunk):
        if self.config is None:
            return
        outcome = self.receiver.on_chunk(chunk)
        if outcome == model_receiver.FAILED:
            self.request_model(socket)
        elif outcome == model_receiver.COMPLETE:
            self.counts["models"] += 1
            self.offer(socket)

    def offer(self, socket):
        started = time.monotonic()
        rows = self.batches.next(self.config.BatchSize())
        version = self.receiver.version
        loss, gradient = softmax.loss_and_gradient(
            self.receiver.model, self.features[rows], self.labels[rows], self.config.NumClasses())
        norm = softmax.l2_norm(gradient)
        compute_us = int((time.monotonic() - started) * 1e6)
        self.losses.append(loss)
        self.offered = (version, gradient, norm, compute_us)
        self.counts["offers"] += 1
        self.send(socket, wire.offer, version, norm, loss)

    def on_decision(self, socket, decision):
        if self.offered is None or decision.OfferVersion() != self.offered[0]:
            return
        version, gradient, norm, compute_us = self.offered
        self.offered = None
        if not decision.Accept():
            self.counts["rejected"] += 1
            return  # the current model follows
        self.counts["accepted"] += 1
        self.counts["updates"] += 1
        self.update_seq = self.seq + 1
        self.send(socket, wire.dense_update, version, gradient, norm,
                  self.config.BatchSize(), compute_us)

    def on_error(self, socket, error):
        """None to go on, or an exit status."""
        self.counts["errors"] += 1
        code = error.Code()
        text = (error.Message() or b"").decode(errors="replace")
        if error.RefSeq() == self.update_seq:
            # Not applied: late under load (VersionOutsideWindow), or sent while expired.
            self.counts["updates_refused"] += 1
        print(f"{self.options.name}: Error {code}: {text}", file=sys.stderr)
        if code == ErrorCode.ErrorCode.UnknownClient:
            self.register(socket)
        elif code == ErrorCode.ErrorCode.VersionOutsideWindow:
            self.offered = None  # the current model follows
        elif code == ErrorCode.ErrorCode.ShuttingDown:
            self.reason = text
            return 0
        elif (code in (ErrorCode.ErrorCode.DataMismatch, ErrorCode.ErrorCode.UnsupportedProtocol)
              or self.config is None):
            self.reason = text
            return 4
        else:
            self.offered = None
            self.request_model(socket)
        return None

    def run(self, socket):
        self.register(socket)
        heard = time.monotonic()
        last_message = heard
        while True:
            if socket.poll(min(self.silence_ms, 1000)) == 0:
                now = time.monotonic()
                if self.options.give_up_after and now - heard > self.options.give_up_after:
                    self.reason = "gave up: the coordinator is silent"
                    return 3
                if (now - last_message) * 1000 >= self.silence_ms:
                    last_message = now
                    self.register(socket)
                continue
            data = socket.recv()
            self.counts["bytes_down"] += len(data)
            heard = last_message = time.monotonic()
            kind, body = wire.parse(data)
            if kind is None or body is None:
                continue  # not for us, or a message a client ignores
            status = None
            if kind == Message.Message.Config:
                status = self.on_config(socket, body)
            elif kind == Message.Message.ModelChunk:
                self.on_chunk(socket, body)
            elif kind == Message.Message.Decision:
                self.on_decision(socket, body)
            elif kind == Message.Message.Error:
                status = self.on_error(socket, body)
            elif kind == Message.Message.Bye:
                self.reason = (body.Message() or b"").decode(errors="replace")
                return 0
            if status is not None:
                return status


def main():
    parser = argparse.ArgumentParser(prog="python3 -m fedgate_client", description=__doc__)
    parser.add_argument("--connect", required=True, help="coordinator endpoint, e.g. tcp://host:5555")
    parser.add_argument("--clients", type=int, default=1, help="clients sharing the data")
    parser.add_argument("--index", type=int, default=0, help="this client's share (0-based)")
    parser.add_argument("--partition-seed", type=int, default=1,
                        help="seed of the iid split (the native clients' default)")
    parser.add_argument("--seed", type=int, default=0, help="minibatch seed (0: 1000 + index)")
    parser.add_argument("--name", default="", help="routing id (default python-<index>)")
    parser.add_argument("--data-dir", default=FASHION_MNIST, help="Fashion-MNIST IDX directory")
    parser.add_argument("--give-up-after", type=float, default=0,
                        help="exit 3 after this many seconds of silence (0: never)")
    options = parser.parse_args()
    if not 0 <= options.index < options.clients:
        parser.error(f"--index {options.index} must be below --clients {options.clients}")
    options.name = options.name or f"python-{options.index}"
    features, labels = load_idx(options.data_dir)
    share = rng.iid_share(len(labels), options.clients, options.index, options.partition_seed)
    client = Client(options, features, labels, share)
    context = zmq.Context()
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.ROUTING_ID, options.name.encode())
    socket.setsockopt(zmq.LINGER, 1000)
    socket.connect(options.connect)
    try:
        status = client.run(socket)
    finally:
        socket.close()
        context.term()
    summary = dict(client.counts, name=options.name, samples=len(share), reason=client.reason,
                   chunks_applied=client.receiver.applied, chunks_refused=client.receiver.failures,
                   first_loss=client.losses[0] if client.losses else None,
                   last_loss=client.losses[-1] if client.losses else None)
    print(json.dumps(summary))
    return status


if __name__ == "__main__":
    sys.exit(main())
