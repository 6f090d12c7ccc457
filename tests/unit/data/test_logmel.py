"""Tests for the numpy log-mel front end: filterbank, spectrogram, resampling, cropping."""

from __future__ import annotations

import numpy as np
import pytest

from fedprune.data.logmel import (
    centre_crop,
    hz_to_mel,
    log_mel,
    mel_filterbank,
    mel_to_hz,
    resample,
)


def tone(freq: float, *, rate: int, seconds: float = 1.0) -> np.ndarray:
    return np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


def peak_hz(wave: np.ndarray, *, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(wave * np.hanning(len(wave))))
    return float(np.fft.rfftfreq(len(wave), d=1 / rate)[np.argmax(spectrum)])


def test_htk_mel_scale_anchors_and_inverts():
    # HTK's scale puts 1000 Hz at (almost exactly) 1000 mel
    assert hz_to_mel(1000.0) == pytest.approx(1000.0, abs=0.02)
    assert hz_to_mel(0.0) == 0.0
    hz = np.array([20.0, 440.0, 4000.0, 8000.0])
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(hz)), hz, rtol=1e-12)


def test_filterbank_triangles_tile_the_band():
    fb = mel_filterbank(sample_rate=16_000, n_fft=512, n_mels=40)
    freqs = np.fft.rfftfreq(512, d=1 / 16_000)

    assert fb.shape == (40, 257)
    assert fb.min() >= 0 and fb.max() <= 1
    peaks = freqs[np.argmax(fb, axis=1)]
    assert np.all(np.diff(peaks) >= 0), "filter peaks must rise with the band index"
    assert np.all(np.diff(np.diff(hz_to_mel(peaks[10:]))) < 60), "peaks roughly mel-spaced"
    # between the first and the last centre, neighbouring triangles sum to exactly 1
    edges = mel_to_hz(np.linspace(hz_to_mel(20.0), hz_to_mel(8000.0), 42))
    inside = (freqs >= edges[1]) & (freqs <= edges[-2])
    np.testing.assert_allclose(fb[:, inside].sum(axis=0), 1.0, atol=1e-9)
    assert np.all(fb[:, freqs < 20.0] == 0)


def test_filterbank_rejects_bad_band():
    with pytest.raises(ValueError, match="f_min < f_max"):
        mel_filterbank(sample_rate=16_000, n_fft=512, n_mels=40, f_min=100.0, f_max=9000.0)


@pytest.mark.parametrize("expected_band", [5, 20, 35])
def test_log_mel_of_a_tone_peaks_in_its_band(expected_band):
    # a tone at the band's centre frequency (HTK mel, 20 Hz to Nyquist)
    centre = mel_to_hz(np.linspace(hz_to_mel(20.0), hz_to_mel(8000.0), 42))[1 + expected_band]

    spec = log_mel(wave=tone(centre, rate=16_000), sample_rate=16_000)

    assert spec.shape == (40, 49) and spec.dtype == np.float32
    assert np.all(np.argmax(spec, axis=0) == expected_band)
    # far bands hold only window leakage: many orders of magnitude (natural log) below
    assert spec[expected_band].mean() - spec[0 if expected_band > 20 else 39].mean() > 10


def test_log_mel_frame_count_and_silence_floor():
    spec = log_mel(wave=np.zeros(8_000), sample_rate=16_000, hop=160, floor=1e-6)

    assert spec.shape == (40, 1 + (8_000 - 512) // 160)
    np.testing.assert_allclose(spec, np.log(1e-6), rtol=1e-6)


def test_log_mel_rejects_short_wave():
    with pytest.raises(ValueError, match="n_fft"):
        log_mel(wave=np.zeros(100), sample_rate=16_000)


@pytest.mark.parametrize(("orig", "freq"), [(22_050, 440.0), (8_000, 1234.0), (16_000, 700.0)])
def test_resample_keeps_frequency_and_level(orig, freq):
    wave = tone(freq, rate=orig, seconds=0.5)

    out = resample(wave=wave, orig_rate=orig, new_rate=16_000)

    assert len(out) == round(len(wave) * 16_000 / orig)
    assert peak_hz(out, rate=16_000) == pytest.approx(freq, abs=16_000 / len(out))
    # RMS of a sine is 1/sqrt(2) at any rate
    assert np.sqrt(np.mean(out[200:-200] ** 2)) == pytest.approx(2**-0.5, rel=0.02)


def test_resample_drops_content_above_the_new_nyquist():
    wave = tone(500.0, rate=22_050) + tone(10_000.0, rate=22_050)

    out = resample(wave=wave, orig_rate=22_050, new_rate=16_000)

    spectrum = np.abs(np.fft.rfft(out))
    freqs = np.fft.rfftfreq(len(out), d=1 / 16_000)
    assert spectrum[freqs > 1_000].max() < 1e-6 * spectrum.max()


def test_centre_crop_centres_the_energy():
    wave = np.zeros(32_000)
    wave[20_000:22_000] = 1.0  # a burst centred on sample 21,000

    out = centre_crop(wave=wave, length=16_000)

    assert len(out) == 16_000
    burst = np.flatnonzero(out)
    assert abs((burst[0] + burst[-1]) / 2 - 8_000) <= 160
    assert out.sum() == 2_000


def test_centre_crop_pads_short_input_with_zeros():
    wave = np.arange(1.0, 101.0)

    out = centre_crop(wave=wave, length=1_000, frame=10)

    assert len(out) == 1_000 and out.sum() == wave.sum()
    nonzero = np.flatnonzero(out)
    np.testing.assert_array_equal(out[nonzero], wave)  # kept whole and in order
    assert 400 <= nonzero[0] <= 500
