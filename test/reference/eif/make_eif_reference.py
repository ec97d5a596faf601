"""Reference anomaly scores from the `eif` package (Hariri, Carrasco Kind & Brunner's own
Extended Isolation Forest, eif 2.0.2) for Nightjar's EIF tests.

Datasets (seeded): a 2-D Gaussian blob with 6 planted outliers, and a 6-D correlated Gaussian
with 8 planted outliers. Scores are the mean over several eif forests (different seeds) so the
fixture holds the forest's expectation rather than one random draw. Writes eif-reference.json.

eif 2.0.2 needs Cython < 3 and numpy at build time:
    pip install "cython<3" wheel numpy && pip install --no-build-isolation eif==2.0.2
Run from the repository root:
    python3 test/reference/eif/make_eif_reference.py
"""
import json
import os

import eif
import numpy as np

N_TREES = 500
SAMPLE = 256
REFERENCE_SEEDS = [11, 12, 13, 14]


def blob_2d(rng):
    bulk = rng.normal(0.0, 1.0, size=(600, 2))
    outliers = np.array([[6.0, 6.0], [-6.5, 5.0], [7.0, -5.5], [0.0, 8.0], [-7.0, -7.0], [5.5, 0.5]])
    return np.vstack([bulk, outliers]), list(range(600, 606))


def correlated_6d(rng):
    a = rng.normal(size=(6, 6))
    cov = a @ a.T / 6 + 0.2 * np.eye(6)
    bulk = rng.multivariate_normal(np.zeros(6), cov, size=1000)
    scale = np.sqrt(np.diag(cov))
    outliers = []
    for k in range(8):
        direction = rng.normal(size=6)
        direction /= np.linalg.norm(direction)
        outliers.append(direction * scale * 10.0)
    return np.vstack([bulk, np.array(outliers)]), list(range(1000, 1008))


def reference_scores(X, extension_level):
    runs = []
    for seed in REFERENCE_SEEDS:
        forest = eif.iForest(X, ntrees=N_TREES, sample_size=SAMPLE, ExtensionLevel=extension_level, seed=seed)
        runs.append(forest.compute_paths(X_in=X))
    return np.mean(runs, axis=0)


rng = np.random.default_rng(20181105)
datasets = []
for name, (X, outliers) in [("blob2d", blob_2d(rng)), ("correlated6d", correlated_6d(rng))]:
    d = X.shape[1]
    for level in sorted({0, d - 1}):
        scores = reference_scores(X, level)
        datasets.append({
            "name": f"{name}-ext{level}",
            "nFeatures": d,
            "extensionLevel": level,
            "nTrees": N_TREES,
            "sampleSize": SAMPLE,
            "X": [round(float(v), 10) for v in X.ravel()],
            "outliers": outliers,
            "scores": [float(s) for s in scores],
        })

out = {"generator": "test/reference/eif/make_eif_reference.py", "eif": "2.0.2", "referenceSeeds": REFERENCE_SEEDS, "datasets": datasets}
with open(os.path.join(os.path.dirname(__file__), "eif-reference.json"), "w") as f:
    json.dump(out, f)
for ds in datasets:
    s = np.array(ds["scores"])
    top = np.argsort(-s)[: len(ds["outliers"])]
    print(ds["name"], "outliers in top:", sorted(top.tolist()) == sorted(ds["outliers"]), "max bulk", s[: -len(ds["outliers"])].max(), "min outlier", s[ds["outliers"]].min())
