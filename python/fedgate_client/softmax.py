"""Softmax regression as the coordinator and the native clients define it
(docs/protocol.md, section 3.1): parameters W[class][feature] row-major, then
b[class]; loss is the mean cross-entropy over the minibatch, the gradient its
derivative (so it is also a mean)."""
import numpy as np


def loss_and_gradient(params, features, labels, num_classes):
    """(loss, gradient) for a minibatch; params and the gradient are float32 of d values."""
    rows, num_features = features.shape
    weights = params[: num_classes * num_features].reshape(num_classes, num_features)
    bias = params[num_classes * num_features:]
    logits = features @ weights.T + bias
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    picked = probabilities[np.arange(rows), labels]
    loss = float(-np.log(np.maximum(picked, 1e-30)).mean())
    delta = probabilities
    delta[np.arange(rows), labels] -= 1.0
    delta /= rows
    gradient = np.concatenate([(delta.T @ features).ravel(), delta.sum(axis=0)])
    return loss, gradient.astype(np.float32)


def l2_norm(values):
    """The norm accumulated in double, as the coordinator computes it."""
    return float(np.sqrt(np.sum(values.astype(np.float64) ** 2)))
