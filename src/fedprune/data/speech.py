"""TTS-generated spoken digits: espeak-ng and flite speakers as log-mel keyword data."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np

from fedprune.data.base import DATASETS, ArrayDataset, DataSplit
from fedprune.data.logmel import centre_crop, log_mel, resample

__all__ = [
    "SPLIT_SEED",
    "WORDS",
    "Speaker",
    "enumerate_speakers",
    "held_out_groups",
    "load_speech_digits",
    "speaker_roster",
]

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SAMPLE_RATE = 16_000
N_MELS = 40
TAKES = 2  # renditions of each word per speaker, each with its own jitter and noise
TEST_FRACTION = 0.2
# Fixed on purpose: the held-out voices must not move with the experiment or generation seed.
SPLIT_SEED = 20_250
TIMEOUT_S = 30.0
FORMAT_VERSION = 1  # bump when the features or the speaker recipe change

ESPEAK_VOICES = (
    "en-029",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-gb-x-rp",
    "en-us",
    "en-us-nyc",
)  # the English voices espeak-ng synthesises itself (the mb-* ones need MBROLA)
FLITE_VOICES = ("awb", "kal", "kal16", "rms", "slt")
FLITE_SPEAKERS_PER_VOICE = 12
# flite's clunits voices (awb_time, rms) and slt barely follow int_f0_target_mean; the diphone
# voices do. Base f0 measured on "nine" with flite 2.2.
FLITE_F0 = {"kal": 95.0, "kal16": 100.0, "awb": 150.0}
# Left out as barely intelligible, measured (see load_speech_digits): the espeak-ng variants a
# classifier trained on the others got below 75 % right (median 99 %). flite's clock-time
# voice awb_time, lowest of all, is left out of FLITE_VOICES for the same reason.
EXCLUDED_VARIANTS = frozenset({"Alicia", "whisperf"})
PACKAGES = {"espeak-ng": "espeak-ng", "flite": "flite"}


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: a TTS voice and the delivery it is rendered with.

    ``index`` is the position in the full roster and ``tag`` a stable hash of the speaker's
    name that seeds its draws; ``(engine, voice, variant)`` names its voice group (``variant``
    is espeak-ng's ``voice+variant``, empty for flite). ``speed`` is espeak-ng words a minute
    or flite's ``duration_stretch``; ``pitch`` espeak-ng's 0-99 or flite's f0 target in Hz
    (0: the voice's own); ``warp`` rescales the rendered audio's time axis (formants, pitch
    and tempo together, like a longer or shorter vocal tract); ``snr_db`` is the white-noise
    level (``inf``: clean).
    """

    index: int
    tag: int
    engine: str
    voice: str
    variant: str
    speed: float
    pitch: float
    warp: float
    snr_db: float

    @property
    def group(self) -> str:
        return f"{self.engine}:{self.voice}:{self.variant}"


def enumerate_speakers(*, seed: int, variants: tuple[str, ...]) -> list[Speaker]:
    """The full deterministic speaker list: one espeak-ng speaker per (voice, variant) and
    ``FLITE_SPEAKERS_PER_VOICE`` per flite voice, deliveries drawn from ``seed``.

    Ranges stay inside what listeners find clear: espeak-ng 140-220 wpm (default 175), pitch
    25-75 (default 50), flite stretch 0.85-1.25, warp 0.92-1.08, SNR 5-30 dB or clean (1 in 4).
    Each speaker's draws depend only on ``seed`` and its own name, so adding or dropping a
    variant leaves every other speaker as it was.
    """
    out: list[Speaker] = []
    roster = [("espeak-ng", v, variant, 0) for v in ESPEAK_VOICES for variant in variants]
    roster += [("flite", v, "", k) for v in FLITE_VOICES for k in range(FLITE_SPEAKERS_PER_VOICE)]
    for engine, voice, variant, k in roster:
        tag = zlib.crc32(f"{engine}:{voice}:{variant}#{k}".encode())
        rng = np.random.default_rng([seed, tag])
        if engine == "espeak-ng":
            speed, pitch = float(rng.integers(140, 221)), float(rng.integers(25, 76))
        else:
            pitch = round(FLITE_F0.get(voice, 0.0) * float(rng.uniform(0.8, 1.25)), 1)
            speed = round(float(rng.uniform(0.85, 1.25)), 3)
        warp = round(float(rng.uniform(0.92, 1.08)), 4)
        snr = float("inf") if rng.random() < 0.25 else round(float(rng.uniform(5.0, 30.0)), 2)
        out.append(Speaker(len(out), tag, engine, voice, variant, speed, pitch, warp, snr))
    return out


def speaker_roster(*, seed: int = 0) -> list[Speaker]:
    """Every speaker ``load_speech_digits(seed=seed)`` renders, from the installed espeak-ng's
    variants less ``EXCLUDED_VARIANTS``; a sample's ``groups`` value indexes this list."""
    return enumerate_speakers(seed=seed, variants=_espeak_variants())


def held_out_groups(speakers: list[Speaker]) -> frozenset[str]:
    """Voice groups held out for testing: ``TEST_FRACTION`` of each engine's, by ``SPLIT_SEED``."""
    held: set[str] = set()
    for engine in sorted({s.engine for s in speakers}):
        groups = sorted({s.group for s in speakers if s.engine == engine})
        rng = np.random.default_rng([SPLIT_SEED, len(groups)])
        held.update(rng.permutation(groups)[: max(1, round(TEST_FRACTION * len(groups)))])
    return frozenset(held)


@DATASETS.register("speech_digits")
def load_speech_digits(
    *, root: str | None = None, speakers: int | None = None, seed: int = 0, workers: int = 2
) -> DataSplit:
    """Spoken digits 0-9 synthesised by espeak-ng and flite, as float32 ``(N, 1, 40, 49)``.

    TTS-generated speech, not recordings. Each speaker says each digit ``TAKES`` times (speed
    and pitch jittered a few percent, fresh noise); audio is resampled to 16 kHz, cropped to
    1 s around its energy centroid, and turned into 40 HTK log-mel bands of 32 ms windows every
    20 ms. Voice groups ``(engine, voice, variant)`` are split train/test by ``SPLIT_SEED``,
    so the test holds voices never heard in training; ``groups`` is the speaker index, one
    speaker per client under the ``natural`` partitioner. ``speakers=N`` keeps N speakers
    (deterministic, both parts covered; for tests). ``seed`` draws deliveries and noise.

    Intelligibility was measured once on all 100 variants and 6 flite voices: 5-fold logistic
    regression on time-pooled log-mel, each fold holding out whole variants (all 8 accents).
    Median variant accuracy 98.8 %; ``Alicia`` (69 %) and ``whisperf`` (71 %) fell below the
    75 % cut and are dropped (``whisper``, 83 %, stays). flite's ``awb_time``, a clock-time
    domain voice, scored lowest (56 %) and is not in ``FLITE_VOICES``. Features are cached
    under ``root`` (default ``$XDG_CACHE_HOME/fedprune``), keyed by every generation setting
    and the tool versions; an unreadable or mismatched cache file is regenerated.
    """
    versions = {tool: _tool_version(_require(tool)) for tool in PACKAGES}
    roster = speaker_roster(seed=seed)
    held = held_out_groups(roster)
    chosen = roster if speakers is None else _pick(roster, held=held, count=speakers)
    key = _cache_key(chosen, seed=seed, versions=versions)
    path = _cache_dir(root) / f"speech_digits-{key[:20]}.npz"
    expected_speaker = np.repeat([s.index for s in chosen], len(WORDS) * TAKES).astype(np.int64)
    expected_y = np.tile(np.repeat(np.arange(len(WORDS)), TAKES), len(chosen)).astype(np.int64)
    x = _load_cache(path, key=key, speaker=expected_speaker, y=expected_y)
    if x is None:
        x = _generate(chosen, seed=seed, workers=workers)
        _save_cache(path, key=key, x=x, speaker=expected_speaker, y=expected_y)
    is_test = np.repeat([s.group in held for s in chosen], len(WORDS) * TAKES)
    full = ArrayDataset(
        x=x, y=expected_y, num_classes=len(WORDS), name="speech_digits", groups=expected_speaker
    )
    return DataSplit(
        train=full.subset(np.flatnonzero(~is_test)), test=full.subset(np.flatnonzero(is_test))
    )


def _pick(roster: list[Speaker], *, held: frozenset[str], count: int) -> list[Speaker]:
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= len(roster):
        raise ValueError(f"speakers must be an int in [2, {len(roster)}] or None, got {count!r}")
    rng = np.random.default_rng(SPLIT_SEED + 1)
    test = [roster[i] for i in rng.permutation(len(roster)) if roster[i].group in held]
    train = [roster[i] for i in rng.permutation(len(roster)) if roster[i].group not in held]
    n_test = max(1, round(TEST_FRACTION * count))
    return sorted(test[:n_test] + train[: count - n_test], key=lambda s: s.index)


def _generate(chosen: list[Speaker], *, seed: int, workers: int) -> np.ndarray:
    # Threads suffice: the work is in the synthesiser processes and in numpy's FFTs.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        rows = list(pool.map(lambda s: _render_speaker(s, seed=seed), chosen))
    return np.concatenate(rows).astype(np.float32)[:, None, :, :]


def _render_speaker(speaker: Speaker, *, seed: int) -> np.ndarray:
    feats = []
    with tempfile.TemporaryDirectory(prefix="fedprune-tts-") as tmp:
        out = os.path.join(tmp, "say.wav")
        for digit, word in enumerate(WORDS):
            for take in range(TAKES):
                rng = np.random.default_rng([seed, speaker.tag, digit, take])
                rate, audio = _synthesise(
                    speaker, word=word, out=out, jitter=take * rng.uniform(-1, 1)
                )
                audio = resample(wave=audio, orig_rate=rate * speaker.warp, new_rate=SAMPLE_RATE)
                audio = centre_crop(wave=audio / max(np.abs(audio).max(), 1e-9), length=SAMPLE_RATE)
                if np.isfinite(speaker.snr_db):
                    level = np.sqrt(np.mean(audio**2) / 10 ** (speaker.snr_db / 10))
                    audio = audio + rng.normal(0.0, level, size=audio.shape)
                feats.append(log_mel(wave=audio, sample_rate=SAMPLE_RATE, n_mels=N_MELS))
    return np.stack(feats)


def _synthesise(speaker: Speaker, *, word: str, out: str, jitter: float) -> tuple[int, np.ndarray]:
    """Render ``word`` to ``out``; ``jitter`` in [-1, 1] nudges speed by 6% and pitch by 4."""
    if speaker.engine == "espeak-ng":
        speed = round(speaker.speed * (1 + 0.06 * jitter))
        pitch = int(np.clip(round(speaker.pitch + 4 * jitter), 0, 99))
        voice = f"{speaker.voice}+{speaker.variant}"
        args = ["-v", voice, "-s", str(speed), "-p", str(pitch), "-w", out, word]
    else:
        args = ["-voice", speaker.voice, "--setf"]
        args += [f"duration_stretch={speaker.speed * (1 - 0.06 * jitter):.4f}"]
        if speaker.pitch:
            args += ["--setf", f"int_f0_target_mean={speaker.pitch * (1 + 0.04 * jitter):.1f}"]
        args += ["-t", word, "-o", out]
    _run([_require(speaker.engine), *args])
    with wave.open(out, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise RuntimeError(f"{speaker.engine} wrote a WAV that is not 16-bit mono")
        rate, data = w.getframerate(), w.readframes(w.getnframes())
    return rate, np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as err:
        raise RuntimeError(f"{' '.join(argv)} took longer than {TIMEOUT_S} s") from err
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        package = PACKAGES[tool]
        raise RuntimeError(
            f"dataset 'speech_digits' needs the {tool} speech synthesiser, not found on PATH; "
            f"install the Debian package '{package}' (apt-get install {package})"
        )
    return path


@cache
def _tool_version(path: str) -> str:
    # flite prints its version and then exits 1, so the exit status is not checked here.
    try:
        done = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as err:
        raise RuntimeError(f"{path} --version took longer than {TIMEOUT_S} s") from err
    text = (done.stdout + done.stderr).strip()
    if not text:
        raise RuntimeError(f"{path} --version printed nothing")
    return text


def _espeak_variants() -> tuple[str, ...]:
    # The file column of `--voices=variant` reads `!v/NAME`; NAME is what `voice+NAME` takes.
    listing = _cached_variant_listing(_require("espeak-ng"))
    names = {
        line.split("!v/", 1)[1].split("(")[0].strip()
        for line in listing.splitlines()
        if "!v/" in line
    }
    return tuple(sorted(n for n in names if n not in EXCLUDED_VARIANTS and " " not in n))


@cache
def _cached_variant_listing(path: str) -> str:
    return _run([path, "--voices=variant"])


def _cache_key(chosen: list[Speaker], *, seed: int, versions: dict[str, str]) -> str:
    settings = {
        "format": FORMAT_VERSION,
        "seed": seed,
        "words": WORDS,
        "takes": TAKES,
        "rate": SAMPLE_RATE,
        "n_mels": N_MELS,
        "versions": versions,
        "speakers": [asdict(s) for s in chosen],
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _cache_dir(root: str | None) -> Path:
    if root is not None:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fedprune"


def _load_cache(path: Path, *, key: str, speaker: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """The cached features, or ``None`` when the file is absent or does not match."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            ok = (
                str(npz["key"]) == key
                and np.array_equal(npz["speaker"], speaker)
                and np.array_equal(npz["y"], y)
            )
            x = npz["x"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if not ok or x.dtype != np.float32 or x.shape[:2] != (len(y), 1) or not np.isfinite(x).all():
        return None
    return x


def _save_cache(path: Path, *, key: str, x: np.ndarray, speaker: np.ndarray, y: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, key=np.array(key), x=x, speaker=speaker, y=y)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
