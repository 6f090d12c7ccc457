"""Log-mel spectrograms, HTK mel filterbanks, resampling and fixed-length cropping in numpy."""

from __future__ import annotations

import numpy as np

__all__ = ["centre_crop", "hz_to_mel", "log_mel", "mel_filterbank", "mel_to_hz", "resample"]


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale, ``2595 log10(1 + f / 700)`` (Young et al., the HTK Book)."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(
    *, sample_rate: int, n_fft: int, n_mels: int, f_min: float = 20.0, f_max: float | None = None
) -> np.ndarray:
    """Triangular HTK-mel filters as a float64 ``(n_mels, n_fft // 2 + 1)`` matrix.

    Centres are equally spaced in HTK mel between ``f_min`` and ``f_max`` (default Nyquist);
    each triangle rises linearly in Hz from its left neighbour's centre to 1 at its own and
    falls to 0 at its right neighbour's, so adjacent filters sum to 1 between the first and
    last centre. Filters are not area-normalised (HTK, not Slaney, weighting).
    """
    f_max = sample_rate / 2 if f_max is None else f_max
    if n_mels < 1 or n_fft < 2:
        raise ValueError(f"n_mels must be >= 1 and n_fft >= 2, got {n_mels} and {n_fft}")
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(
            f"need 0 <= f_min < f_max <= sample_rate / 2, got {f_min}, {f_max}, {sample_rate}"
        )
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - left) / (centre - left)
    falling = (right - bins) / (right - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None)


def resample(*, wave: np.ndarray, orig_rate: float, new_rate: int) -> np.ndarray:
    """Resample a mono ``wave`` by truncating or zero-padding its spectrum (band-limited).

    Exact for periodic band-limited signals; for utterances that begin and end in silence the
    circular wrap-around this implies is negligible. Returns float64.
    """
    if orig_rate <= 0 or new_rate <= 0:
        raise ValueError(f"rates must be positive, got {orig_rate} and {new_rate}")
    x = np.asarray(wave, dtype=np.float64)
    n_out = round(len(x) * new_rate / orig_rate)
    if n_out == len(x) or len(x) == 0:
        return x.copy()
    spectrum = np.fft.rfft(x)
    keep = min(len(spectrum), n_out // 2 + 1)
    out = np.zeros(n_out // 2 + 1, dtype=np.complex128)
    out[:keep] = spectrum[:keep]
    if n_out < len(x) and n_out % 2 == 0:
        # The new Nyquist bin stands for both +/- frequencies; keep only its real part.
        out[-1] = out[-1].real
    return np.fft.irfft(out, n=n_out) * (n_out / len(x))


def centre_crop(*, wave: np.ndarray, length: int, frame: int = 160) -> np.ndarray:
    """Crop or zero-pad ``wave`` to ``length`` samples, centred on its energy centroid.

    The centroid is taken over ``frame``-sample energies, so a click at one end does not pull
    the window as far as a sample-level centroid would. Silence is centred as-is.
    """
    x = np.asarray(wave, dtype=np.float64)
    n_frames = -(-len(x) // frame)
    padded = np.zeros(n_frames * frame)
    padded[: len(x)] = x
    energy = (padded.reshape(n_frames, frame) ** 2).sum(axis=1)
    total = energy.sum()
    centre = (
        len(x) / 2
        if total <= 0
        else float((energy * (np.arange(n_frames) + 0.5)).sum() / total * frame)
    )
    start = round(centre - length / 2)
    out = np.zeros(length)
    src_lo, src_hi = max(start, 0), min(start + length, len(x))
    if src_hi > src_lo:
        out[src_lo - start : src_hi - start] = x[src_lo:src_hi]
    return out


def log_mel(
    *,
    wave: np.ndarray,
    sample_rate: int,
    n_mels: int = 40,
    n_fft: int = 512,
    hop: int = 320,
    f_min: float = 20.0,
    f_max: float | None = None,
    floor: float = 1e-6,
) -> np.ndarray:
    """float32 ``(n_mels, frames)`` natural-log mel power of ``wave`` (Hann window, no padding).

    ``frames = 1 + (len(wave) - n_fft) // hop``; defaults at 16 kHz are 32 ms windows every
    20 ms, 49 frames a second. ``floor`` bounds the log from below, so silence is
    ``log(floor)`` rather than ``-inf``.
    """
    x = np.asarray(wave, dtype=np.float64)
    if x.ndim != 1 or len(x) < n_fft:
        raise ValueError(f"wave must be 1-D with at least n_fft={n_fft} samples, got {x.shape}")
    if hop < 1:
        raise ValueError(f"hop must be >= 1, got {hop}")
    frames = 1 + (len(x) - n_fft) // hop
    index = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    # periodic Hann: overlapping windows at hop = n_fft / 2 sum to a constant
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    power = np.abs(np.fft.rfft(x[index] * window, axis=1)) ** 2 / n_fft
    fb = mel_filterbank(
        sample_rate=sample_rate, n_fft=n_fft, n_mels=n_mels, f_min=f_min, f_max=f_max
    )
    return np.log(fb @ power.T + floor).astype(np.float32)
