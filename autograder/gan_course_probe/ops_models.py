"""Probe operations on Keras model builders: architecture, outputs with seeded weights, training."""

import re
import zlib

import numpy as np

from .registry import int_keywords, op, scalar

# --- Keras models ---------------------------------------------------------------------------
# A model check's inputs name the builder's keyword arguments as "build.<name>", the model
# inputs of call i as "call<i>.x<j>" (several j for a model with several inputs), and, when the
# check sets the weights itself, "weights_seed".
BUILD_KEY = re.compile(r"^build\.(\w+)$")
MODEL_INPUT_KEY = re.compile(r"^call(\d+)\.x(\d+)$")


def name_code(name):
    """A layer type or activation name as a number that survives the float64 results."""
    return float(zlib.crc32(name.encode())) if name else 0.0


def build_model(fn, inputs):
    """Call the builder with its keyword arguments from the inputs; it must return a Keras model."""
    import keras

    kwargs = {m.group(1): scalar(v) for key, v in inputs.items() if (m := BUILD_KEY.match(key))}
    model = fn(**kwargs)
    if not isinstance(model, keras.Model):
        raise TypeError(f"the builder returned {type(model).__name__}, not a keras.Model")
    return model


def model_calls(inputs):
    """[[x0, x1, ...] for each call] from the inputs' "call<i>.x<j>" entries."""
    calls = {}
    for key, value in inputs.items():
        m = MODEL_INPUT_KEY.match(key)
        if m:
            calls.setdefault(int(m.group(1)), {})[int(m.group(2))] = value
    return [[xs[j] for j in sorted(xs)] for _, xs in sorted(calls.items())]


def set_weights(model, seed):
    """Give every weight (trainable or not) a value drawn from ``seed``, in the model's weight order.

    Two models with the same architecture get the same weights, so their outputs can be compared.
    Scales follow LeCun's uniform rule (variance 1 / fan-in); variances and gammas stay in [0.5, 1.5].
    """
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape = tuple(weight.shape)
        if "variance" in weight.path or "gamma" in weight.path:
            value = rng.uniform(0.5, 1.5, shape)
        else:
            bound = np.sqrt(3.0 / max(1, int(np.prod(shape[:-1]))))
            value = rng.uniform(-bound, bound, shape)
        weight.assign(value.astype(weight.dtype))


@op("architecture")
def architecture(fn, inputs):
    """Layer types, output shapes, parameter counts and settings (activation, rate, slope)."""
    from gan_course.testing import layer_table, model_layers

    model = build_model(fn, inputs)
    table = layer_table(model)
    layers = model_layers(model)
    shapes = np.full((len(table), 5), -2.0)  # -2 pads, -1 is a free (None) dimension
    for i, (_, shape, _) in enumerate(table):
        dims = [-1.0 if d is None else float(d) for d in (shape or ())][:5]
        shapes[i, :len(dims)] = dims
    activation = [name_code(getattr(getattr(layer, "activation", None), "__name__", "")) for layer in layers]
    setting = [float(getattr(layer, "rate", getattr(layer, "negative_slope", 0.0)) or 0.0) for layer in layers]
    return {"types": [name_code(kind) for kind, _, _ in table], "shapes": shapes,
            "params": [float(params) for _, _, params in table], "total": float(model.count_params()),
            "activations": activation, "settings": setting}


@op("predict")
def predict(fn, inputs):
    """Outputs of the built model (weights set from "weights_seed" if given) in inference mode,
    and for each call whether training=True changes them."""
    model = build_model(fn, inputs)
    if "weights_seed" in inputs:
        set_weights(model, int(inputs["weights_seed"]))
    results = {}
    for i, xs in enumerate(model_calls(inputs)):
        x = xs[0] if len(xs) == 1 else xs
        inference = np.asarray(model(x, training=False))
        training = np.asarray(model(x, training=True))
        results[f"call{i}"] = inference
        results[f"training_changes{i}"] = float(training.shape != inference.shape
                                                or not np.allclose(training, inference, rtol=1e-5, atol=1e-6))
    return results


@op("train_then_predict")
def train_then_predict(fn, inputs):
    """Train with ``fn(*train args)`` (which returns the model; ``epochs=`` too when the inputs give
    "epochs"), then predict on "x"."""
    import keras

    keras.utils.set_random_seed(int(inputs["seed"]))
    args = [inputs[key] for key in sorted(k for k in inputs if k.startswith("train.arg"))]
    model = fn(*args, **int_keywords(inputs, "epochs"))
    if isinstance(model, tuple):  # (model, history) is fine too
        model = model[0]
    return {"p": np.asarray(model.predict(inputs["x"], verbose=0)).reshape(-1)}
