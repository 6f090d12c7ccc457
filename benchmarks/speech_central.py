"""Central baselines on the TTS-generated spoken digits: logistic regression and audio_cnn,
trained on the training voices and scored on held-out voice groups.

Rerun: ``.venv/bin/python benchmarks/speech_central.py [--quick] [--epochs 8] [--root DIR]``.
Writes ``benchmarks/results/speech_central.json`` and prints a markdown table. The first run
synthesises the data set (espeak-ng and flite must be installed) and times that; later runs
load the cache. Logistic regression: standardised flattened log-mel (40 x 49), L2, lbfgs.
audio_cnn: Adam 1e-3, batch 64, one torch thread, seed 0. Accuracy is on the test part, whose
voices (engine, voice, variant) never occur in training.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from common import markdown_table, write_result
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from torch import nn

from fedprune.data.speech import load_speech_digits, speaker_roster
from fedprune.models.audio import audio_cnn


def logistic(train, test) -> tuple[float, np.ndarray, float]:
    start = time.perf_counter()
    scaler = StandardScaler().fit(train.x.reshape(len(train), -1))
    clf = LogisticRegression(C=0.01, max_iter=500)
    clf.fit(scaler.transform(train.x.reshape(len(train), -1)), train.y)
    pred = clf.predict(scaler.transform(test.x.reshape(len(test), -1)))
    return float((pred == test.y).mean()), pred, time.perf_counter() - start


def cnn(train, test, *, epochs: int) -> tuple[float, np.ndarray, float, list[float]]:
    start = time.perf_counter()
    torch.manual_seed(0)
    model = audio_cnn(input_shape=train.x.shape[1:], num_classes=10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.from_numpy(train.x), torch.from_numpy(train.y)
    xt = torch.from_numpy(test.x)
    curve = []
    gen = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(y), generator=gen).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(b).argmax(1) for b in xt.split(512)]).numpy()
        curve.append(float((pred == test.y).mean()))
    return curve[-1], pred, time.perf_counter() - start, curve


def by_engine(pred: np.ndarray, test, engines: np.ndarray) -> dict[str, float]:
    return {e: float((pred == test.y)[engines == e].mean()) for e in sorted(set(engines))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 speakers, 2 epochs")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="synthesis threads")
    parser.add_argument("--root", default=None, help="cache directory (default ~/.cache)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    speakers, epochs = (100, 2) if args.quick else (None, args.epochs)

    start = time.perf_counter()
    split = load_speech_digits(root=args.root, speakers=speakers, workers=args.workers)
    load_s = time.perf_counter() - start
    train, test = split.train, split.test
    roster = speaker_roster(seed=0)
    engines = np.array([roster[i].engine for i in test.groups])
    voices = {roster[i].group for i in np.concatenate([train.groups, test.groups])}
    print(
        f"loaded in {load_s:.1f} s: {len(train)} train / {len(test)} test utterances, "
        f"{len(np.unique(train.groups))} / {len(np.unique(test.groups))} speakers, "
        f"{len(voices)} voice groups, features {train.x.shape[1:]}",
        flush=True,
    )

    lr_acc, lr_pred, lr_s = logistic(train, test)
    print(f"logistic regression: {lr_acc:.4f} ({lr_s:.0f} s)", flush=True)
    cnn_acc, cnn_pred, cnn_s, curve = cnn(train, test, epochs=epochs)
    print(f"audio_cnn: {cnn_acc:.4f} ({cnn_s:.0f} s), by epoch {curve}", flush=True)

    rows = [
        ["logistic regression", f"{lr_acc:.4f}", *by_engine(lr_pred, test, engines).values()],
        ["audio_cnn", f"{cnn_acc:.4f}", *by_engine(cnn_pred, test, engines).values()],
    ]
    header = ["model", "held-out voices accuracy", *(f"{e} only" for e in sorted(set(engines)))]
    print(
        markdown_table(
            header, [[f"{v:.4f}" if isinstance(v, float) else v for v in r] for r in rows]
        )
    )
    figures = {
        "load_seconds": load_s,
        "train_utterances": len(train),
        "test_utterances": len(test),
        "train_speakers": len(np.unique(train.groups)),
        "test_speakers": len(np.unique(test.groups)),
        "voice_groups": len(voices),
        "feature_shape": list(train.x.shape[1:]),
        "logistic_accuracy": lr_acc,
        "logistic_by_engine": by_engine(lr_pred, test, engines),
        "logistic_seconds": lr_s,
        "cnn_accuracy": cnn_acc,
        "cnn_by_engine": by_engine(cnn_pred, test, engines),
        "cnn_accuracy_by_epoch": curve,
        "cnn_seconds": cnn_s,
    }
    path = write_result(
        "speech_central" + ("_quick" if args.quick else ""),
        figures=figures,
        settings={"speakers": speakers, "epochs": epochs, "threads": 1, "seed": 0},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
