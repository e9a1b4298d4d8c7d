"""The streaming audio writer (phonon/audio_io.py)."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest
import soundfile as sf

from phonon.audio_io import AudioFormatError, AudioWriter, read_audio
from phonon.errors import PhononError

SR = 44100


def tone(n=SR, amp=0.5, channels=2):
    t = np.arange(n) / SR
    x = amp * np.sin(2 * np.pi * 441 * t)
    return np.stack([x, -x][:channels])


@pytest.mark.parametrize("fmt,subtype,sf_subtype,tol", [
    ("wav", "16", "PCM_16", 1 / 32768), ("wav", "24", "PCM_24", 1 / 2 ** 23),
    ("wav", "32f", "FLOAT", 1e-7), ("flac", "16", "PCM_16", 1 / 32768), ("flac", "24", "PCM_24", 1 / 2 ** 23)])
def test_write_and_read_back(tmp_path, fmt, subtype, sf_subtype, tol):
    path = tmp_path / f"out.{fmt}"
    x = tone()
    with AudioWriter(str(path), SR, 2, format=fmt, subtype=subtype) as w:
        for k in range(0, x.shape[1], 1000):  # streamed in blocks
            w.write(x[:, k:k + 1000])
    info = sf.info(str(path))
    assert info.subtype == sf_subtype and info.format == fmt.upper() and info.channels == 2
    y, sr = read_audio(str(path))
    assert sr == SR and y.shape == x.shape
    assert np.abs(y - x).max() <= tol
    assert w.frames == SR
    assert abs(w.peak_dbfs - 20 * math.log10(0.5)) < 1e-3
    assert abs(w.rms_dbfs - 20 * math.log10(0.5 / math.sqrt(2))) < 1e-3
    assert w.clipped == 0
    assert os.listdir(tmp_path) == [path.name]  # the temp file is gone


def test_mono(tmp_path):
    path = tmp_path / "m.wav"
    with AudioWriter(str(path), SR, 1, subtype="24") as w:
        w.write(tone(channels=1)[0])
    y, _ = read_audio(str(path))
    assert y.shape == (1, SR)


def test_clipping_is_counted_not_hidden(tmp_path):
    path = tmp_path / "c.wav"
    x = np.array([[0.5, 1.5, -2.0, 1.0, 0.2], [0.0, 0.0, 1.01, -1.0, 0.0]])
    with AudioWriter(str(path), SR, 2, subtype="16") as w:
        w.write(x)
    assert w.clipped == 3  # per sample value, both channels
    assert abs(w.peak_dbfs - 20 * math.log10(2.0)) < 1e-9
    y, _ = read_audio(str(path))
    assert y[0, 1] == pytest.approx(1.0, abs=1e-4) and y[0, 2] == -1.0  # clipped by the format, not wrapped
    f = tmp_path / "f.wav"
    with AudioWriter(str(f), SR, 2, subtype="32f") as w:
        w.write(x)
    assert w.clipped == 0
    assert np.array_equal(read_audio(str(f))[0], x.astype(np.float32).astype(np.float64))


def test_exception_leaves_no_file(tmp_path):
    path = tmp_path / "fail.wav"
    path.write_bytes(b"old")  # an existing file is left alone by a failed render
    with pytest.raises(RuntimeError):
        with AudioWriter(str(path), SR, 2) as w:
            w.write(tone())
            assert os.path.exists(w.temp_path) and ".fail.wav.partial-" in w.temp_path
            raise RuntimeError("render failed")
    assert sorted(os.listdir(tmp_path)) == ["fail.wav"] and path.read_bytes() == b"old"


def test_abort_leaves_no_file(tmp_path):
    path = tmp_path / "a.flac"
    w = AudioWriter(str(path), SR, 2, format="flac", subtype="16")
    w.write(tone())
    w.abort()
    assert os.listdir(tmp_path) == []


def test_flac_32f_is_a_clear_error(tmp_path):
    with pytest.raises(AudioFormatError, match="flac: bit depth 32f not supported; use 16 or 24") as e:
        AudioWriter(str(tmp_path / "x.flac"), SR, 2, format="flac", subtype="32f")
    assert isinstance(e.value, PhononError)
    assert os.listdir(tmp_path) == []


def test_silence_stats(tmp_path):
    with AudioWriter(str(tmp_path / "s.wav"), SR, 2) as w:
        w.write(np.zeros((2, 100)))
    assert w.peak_dbfs == -math.inf and w.rms_dbfs == -math.inf and w.clipped == 0


@pytest.mark.parametrize("channels", [1, 2])
def test_32f_samples_are_the_float32_rounding_of_the_blocks(tmp_path, channels):
    """The writer interleaves and rounds 32f blocks itself: every sample read back is the
    block's value rounded to float32 (signed zeros, subnormals and large values included)."""
    import soundfile as sf
    rng = np.random.default_rng(3)
    blocks = [rng.standard_normal((channels, 700)) * s for s in (1e-41, 1e-3, 0.7, 4.0)]
    blocks.append(np.array([[0.0, -0.0, 1e-45, -3e-39, 1 / 3, 1e30]] * channels))
    f = tmp_path / "x.wav"
    with AudioWriter(str(f), SR, channels, subtype="32f") as w:
        for b in blocks:
            w.write(b)
    got, sr = sf.read(str(f), dtype="float32", always_2d=True)
    want = np.concatenate(blocks, axis=1).T.astype(np.float32)
    assert sr == SR and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


EDGES = [0.0, -0.0, 1.0, -1.0, 1.5, -1.5, 0.5, -0.5, 0.9, -0.9, 1e-300, -1e-300, 0.99999999,
         -0.99999999, 1 - 2**-31, -1 + 2**-31, 2**-24, 3 * 2**-24, 2**-16, 3 * 2**-16, 2**-32,
         -2**-32, 1.5 * 2**-31, 2.5 * 2**-31, -2.5 * 2**-31, 0.5 + 2**-32, 1e30, -1e30]


@pytest.mark.parametrize("subtype,sf_subtype", [("16", "PCM_16"), ("24", "PCM_24"), ("32f", "FLOAT")])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("container", ["WAV", "RF64"])
def test_file_bytes_equal_libsndfiles_own_conversion(tmp_path, monkeypatch, subtype, sf_subtype,
                                                     channels, container):
    """phonon.pcm encodes WAV/RF64 samples itself (libsndfile writes them raw): the whole file,
    header included, is the bytes libsndfile writes from the same float64 blocks: rounding
    ties, the clip points (+-2^31 after scaling), subnormals and values past full scale."""
    import soundfile as sf

    from phonon import audio_io
    if container == "RF64":  # a small render as RF64: the container the writer picks past 4 GiB
        monkeypatch.setattr(audio_io, "WAV_LIMIT", 1000)
    rng = np.random.default_rng(7)
    vals = np.concatenate([EDGES, rng.standard_normal(30001) * 0.3, rng.uniform(-1.2, 1.2, 20000),
                           (rng.integers(-2**31, 2**31, 10000) + 0.5) / 2**31])
    n = len(vals) // channels
    x = vals[:n * channels].reshape(channels, n)
    mine = tmp_path / "mine.wav"
    with AudioWriter(str(mine), SR, channels, subtype=subtype, frames=n) as w:
        for a in range(0, n, 4096):  # several blocks, the last one short
            w.write(x[:, a:a + 4096])
    assert w.container == container
    ref = tmp_path / "ref.wav"
    with sf.SoundFile(str(ref), "w", SR, channels, sf_subtype, format=container) as f:
        if subtype == "32f":
            sf._snd.sf_command(f._file, audio_io.SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
        f.write(x.T.astype(np.float32) if subtype == "32f" else x.T)
    if container == "RF64" and subtype == "32f":  # libsndfile keeps RF64's PEAK chunk: it
        audio_io.clear_peak_timestamp(str(ref))   # stamps the time; the writer clears it
    assert mine.read_bytes() == ref.read_bytes()
    assert w.clipped == (0 if subtype == "32f" else int(np.count_nonzero(np.abs(x) > 1.0)))
    assert w.peak_dbfs == pytest.approx(20 * np.log10(np.abs(x).max()))


def test_the_statistics_are_the_blocks(tmp_path):
    """Peak, RMS and the clipped count come from the encoder's one pass: the same numbers as
    numpy's over the whole signal (FLAC too, which libsndfile encodes)."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 50001)) * 0.6
    for fmt in ("wav", "flac"):
        with AudioWriter(str(tmp_path / f"s.{fmt}"), SR, 2, format=fmt, subtype="24") as w:
            for a in range(0, x.shape[1], 8192):
                w.write(x[:, a:a + 8192])
        assert w.clipped == int(np.count_nonzero(np.abs(x) > 1.0)) > 0
        assert w.peak_dbfs == pytest.approx(20 * np.log10(np.abs(x).max()), abs=1e-12)
        assert w.rms_dbfs == pytest.approx(10 * np.log10(np.mean(x * x)), abs=1e-9)


def test_an_interrupt_while_the_writer_opens_leaves_no_file(tmp_path, monkeypatch):
    """A signal (KeyboardInterrupt) after the temporary file exists but before the writer is
    ready: the file is removed (the CLI's signal tests send it the moment the file appears)."""
    from phonon import audio_io

    def interrupted(path):
        assert os.path.exists(path)  # the temporary file is there
        raise KeyboardInterrupt
    monkeypatch.setattr(audio_io, "Writeback", interrupted)
    with pytest.raises(KeyboardInterrupt):
        AudioWriter(str(tmp_path / "o.wav"), SR, 2)
    assert os.listdir(tmp_path) == []
