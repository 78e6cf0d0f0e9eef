"""What the latent dimensions mean (docs/science.md, Metrics): mutual information, MIG and linear probes.

Factor codes are (n, 4) integer arrays in the order of data.FACTORS (shape index, size, x, y), as
returned by Dataset.factor_codes().
"""

from __future__ import annotations

import numpy as np

from shapestudy.data.grid import FACTORS
from shapestudy.evaluation.scores import row
from shapestudy.training.inference import encode

RIDGE = 1e-3  # the linear probes' penalty


def _one_hot(labels: np.ndarray, n_classes: int, dtype=np.float64) -> np.ndarray:
    return (labels[:, None] == np.arange(n_classes)).astype(dtype)


def _discretise(codes: np.ndarray, bins: int) -> np.ndarray:
    """Each column into `bins` equal-width bins over its range, as np.histogram; constant: bin 0."""
    low, high = codes.min(axis=0), codes.max(axis=0)
    width = np.where(high > low, high - low, 1.0)
    return np.clip(np.floor((codes - low) / width * bins), 0, bins - 1).astype(np.int64)


def _entropy_bits(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def mutual_information_matrix(codes, factor_codes, bins: int = 20) -> np.ndarray:
    """Plug-in estimate of I(z_i; v_k) in bits, shaped (latents, factors).

    Latents are discretised into `bins` equal-width bins over their range; factors are discrete.
    All joint histograms come from one product of one-hot matrices.
    """
    codes = np.asarray(codes, dtype=np.float64)
    factor_codes = np.asarray(factor_codes)
    n, d = codes.shape
    # float32 one-hots: counts stay exact below 2^24 rows, at half the memory.
    latent_hot = _one_hot(_discretise(codes, bins).ravel(), bins, np.float32).reshape(n, d * bins)
    factor_hot, blocks = [], []
    for column in factor_codes.T:
        values, inverse = np.unique(column, return_inverse=True)
        factor_hot.append(_one_hot(inverse, len(values), np.float32))
        blocks.append(len(values))
    factor_hot = np.concatenate(factor_hot, axis=1)  # (n, total number of factor values)

    joint = (latent_hot.T @ factor_hot).astype(np.float64).reshape(d, bins, -1) / n
    p_latent = latent_hot.sum(axis=0, dtype=np.float64).reshape(d, bins, 1) / n
    p_factor = factor_hot.sum(axis=0, dtype=np.float64) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(joint > 0, joint * np.log2(joint / (p_latent * p_factor)), 0.0)
    per_value = terms.sum(axis=1)  # (d, total number of factor values)
    return np.add.reduceat(per_value, np.cumsum([0, *blocks[:-1]]), axis=1)


def mig(codes, factor_codes, bins: int = 20, include=FACTORS) -> dict:
    """Mutual information gap (Chen et al. 2018), normalised by each factor's entropy.

    mig_<factor> = (I(z_a; v) - I(z_b; v)) / H(v) for the two latents a, b with the most information
    about v (with a single latent, I(z_b; v) = 0). `mig` averages the factors in `include` that
    vary; a factor with one value (shape when only squares) has zero entropy: its mig_<factor> is
    nan and it is left out of the average. `mig_factors` names the factors averaged.
    """
    unknown = [name for name in include if name not in FACTORS]
    if unknown:
        raise ValueError(f"unknown factor {unknown[0]!r}: expected one of {list(FACTORS)}")
    factor_codes = np.asarray(factor_codes)
    information = mutual_information_matrix(codes, factor_codes, bins=bins)
    top_two = -np.sort(-np.vstack([information, np.zeros((1, len(FACTORS)))]), axis=0)[:2]
    scores, averaged = {}, {}
    for column, name in enumerate(FACTORS):
        _, counts = np.unique(factor_codes[:, column], return_counts=True)
        entropy = _entropy_bits(counts / counts.sum())
        if entropy > 0:
            scores[f"mig_{name}"] = float((top_two[0, column] - top_two[1, column]) / entropy)
            if name in include:
                averaged[name] = scores[f"mig_{name}"]
        else:
            scores[f"mig_{name}"] = float("nan")
    return {
        "mig": float(np.mean(list(averaged.values()))) if averaged else float("nan"),
        **scores,
        "mig_factors": ",".join(averaged),
    }


def _standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def _softmax_regression(x: np.ndarray, labels: np.ndarray, n_classes: int, ridge: float, steps=100):
    """Weights (features + 1, classes) of L2-penalised multinomial logistic regression, by Newton.

    The penalty ridge/2 |W|^2 covers the intercepts too, which makes the optimum unique.
    """
    x = np.hstack([x, np.ones((len(x), 1))])
    n, q = x.shape
    target = _one_hot(labels, n_classes)

    def loss(w):
        logits = x @ w
        top = logits.max(axis=1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
        return (log_norm - (logits * target).sum(axis=1)).mean() + 0.5 * ridge * (w**2).sum()

    w = np.zeros((q, n_classes))
    for _ in range(steps):
        logits = x @ w
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        gradient = x.T @ (p - target) / n + ridge * w
        if np.abs(gradient).max() < 1e-9:
            break
        hessian = np.empty((q, n_classes, q, n_classes))
        for k in range(n_classes):
            for m in range(n_classes):
                weight = p[:, k] * (float(k == m) - p[:, m])
                hessian[:, k, :, m] = (x * weight[:, None]).T @ x / n
        hessian = hessian.reshape(q * n_classes, q * n_classes) + ridge * np.eye(q * n_classes)
        step = np.linalg.solve(hessian, gradient.ravel()).reshape(q, n_classes)
        # Backtracking line search: Newton steps overshoot on (nearly) separable classes.
        t, current, slope = 1.0, loss(w), (gradient * step).sum()
        while loss(w - t * step) > current - 0.25 * t * slope and t > 1e-10:
            t /= 2
        w = w - t * step
    return w


def linear_probe(codes_train, factors_train, codes_test, factors_test, ridge: float = 1e-3) -> dict:
    """How linearly the factors can be read from the code: fit on train rows, score on test rows.

    Codes are standardised with the training mean and standard deviation. size, x and y: ridge
    regression with an unpenalised intercept, minimising mean squared error + ridge * |w|^2; scored
    by R^2 on the test rows (nan for a constant test target). shape: multinomial logistic regression
    (softmax, not one-vs-rest least squares, which cannot pick out a middle class on a line),
    minimising mean cross-entropy + ridge / 2 * |W|^2 over every weight and intercept; scored by
    test accuracy; nan when the data hold a single shape.
    """
    x_train, x_test = _standardise(
        np.asarray(codes_train, dtype=np.float64), np.asarray(codes_test, dtype=np.float64)
    )
    factors_train, factors_test = np.asarray(factors_train), np.asarray(factors_test)
    scores = {}

    columns = [FACTORS.index(name) for name in ("x", "y", "size")]
    y_train = factors_train[:, columns].astype(np.float64)
    y_test = factors_test[:, columns].astype(np.float64)
    target_mean = y_train.mean(axis=0)
    gram = x_train.T @ x_train / len(x_train) + ridge * np.eye(x_train.shape[1])
    weights = np.linalg.solve(gram, x_train.T @ (y_train - target_mean) / len(x_train))
    residual = ((y_test - (x_test @ weights + target_mean)) ** 2).sum(axis=0)
    total = ((y_test - y_test.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(total > 0, 1 - residual / total, np.nan)
    for name, value in zip(("x", "y", "size"), r2):
        scores[f"r2_{name}"] = float(value)

    shape = FACTORS.index("shape")
    classes, labels = np.unique(
        np.concatenate([factors_train[:, shape], factors_test[:, shape]]), return_inverse=True
    )
    if len(classes) > 1:
        labels_train, labels_test = labels[: len(x_train)], labels[len(x_train) :]
        w = _softmax_regression(x_train, labels_train, len(classes), ridge)
        predicted = (np.hstack([x_test, np.ones((len(x_test), 1))]) @ w).argmax(axis=1)
        scores["accuracy_shape"] = float((predicted == labels_test).mean())
    else:
        scores["accuracy_shape"] = float("nan")
    return scores


def score(dataset, trained, settings: dict) -> dict:
    """One row: MIG over every tuple of M and the linear probes (fitted on the training split,
    scored on the test split), all on the encoder means; and the MI matrix for the figure."""
    bins = settings["mi_bins"]
    factors = dataset.factor_codes()
    split = dataset.factors["split"].to_numpy()
    train, test = split == "train", split == "test"
    codes, _ = encode(trained.model, trained.params, dataset.images)
    # Every tuple once: the factors are exactly uniform over M, and the plug-in MI estimate has ten
    # times the samples of the test split.
    scores = mig(codes, factors, bins=bins)
    used = {"bins": bins, "mig_factors": scores.pop("mig_factors"), "ridge": RIDGE,
            "shape_classifier": "multinomial_logistic", "n_train": int(train.sum()), "n_test": int(test.sum()),
            "mi_rows": "all tuples"}
    scores.update(linear_probe(codes[train], factors[train], codes[test], factors[test], ridge=RIDGE))
    information = mutual_information_matrix(codes, factors, bins=bins)
    return {"rows": [row(used, scores)], "mutual_information_bits": information.tolist()}
