"""Choose the classifier's C and dense-vector weight by held-out log-loss (grouped split of the training data).

Run: .venv/bin/python bench/classifier_grid.py   (prints one row per setting; FitConfig records the choice)
"""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupShuffleSplit

from kodomo_ai.classify import risk
from kodomo_ai.classify.augment import augment
from kodomo_ai.classify.data import read_examples
from kodomo_ai.classify.encoder import QuantizedEncoder
from kodomo_ai.classify.features import TextFeatures, compute_forms
from kodomo_ai.classify.fit import _estimator
from kodomo_ai.config import get_settings
from kodomo_ai.index.embeddings import load_embedder


def main() -> None:
    settings = get_settings()
    examples = read_examples(risk.training_files(settings.training_dir, settings.router_set), risk.risk_label)
    data = augment(examples, risk.carriers(examples), seed=risk.CONFIG.seed, n=risk.CONFIG.variants)
    labels = sorted({e.label for e in data})
    y = np.asarray([labels.index(e.label) for e in data])
    groups = np.asarray([e.group for e in data])
    forms = compute_forms(
        [e.text for e in data], QuantizedEncoder(load_embedder(settings.embedding_model, settings.models_dir))
    )
    train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=0).split(y, y, groups))
    print(f"{'C':>6} {'dense':>6} {'log-loss':>9} {'accuracy':>9}")
    for c, weight in itertools.product((0.125, 0.5, 2.0), (1.0, 2.0, 4.0)):
        features = TextFeatures(dense_weight=weight).fit(forms.take(train))
        model = _estimator(c, 0).fit(features.transform(forms.take(train)), y[train])
        proba = model.predict_proba(features.transform(forms.take(test)))
        print(
            f"{c:>6} {weight:>6} {log_loss(y[test], proba, labels=range(len(labels))):>9.4f} {(proba.argmax(1) == y[test]).mean():>9.4f}"
        )


if __name__ == "__main__":
    main()
