"""The sample bank: built-in kit, Dirt-Samples folders, resampling, warnings."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import soundfile as sf

from phonon.samples import SampleBank, SampleWarning, default_roots
from phonon.samples import kit

SR = 44100


def _kit_digest(sr: int) -> str:
    b = SampleBank((), sr)
    h = hashlib.sha256()
    for name in kit.kit_names():
        for i in range(b.count(name)):
            h.update(b.get(name, i).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", kit.kit_names())
def test_kit_variants_exist_and_sound_like_drums(name):
    b = SampleBank((), SR)
    assert b.exists(name) and b.count(name) >= 3
    variants = [b.get(name, i) for i in range(3)]
    for x in variants:
        assert x.ndim == 2 and x.shape[0] == 1 and x.dtype == np.float64
        assert 0.1 * SR <= x.shape[1] <= 1.0 * SR
        assert 0.8 <= np.abs(x).max() <= 0.95
        assert x[0, -1] == 0.0 and np.abs(x[0, -3:]).max() < 3e-3  # faded out: no click at the end
        assert np.all(np.isfinite(x))
    # Variants differ audibly: length, spectral centroid (>= 3%) or level (>= 1 dB RMS).
    def centroid(x):
        spec = np.abs(np.fft.rfft(x[0], 1 << 16))
        f = np.fft.rfftfreq(1 << 16, 1 / SR)
        return float((spec * f).sum() / spec.sum())
    for i in range(3):
        for j in range(i + 1, 3):
            a, c = variants[i], variants[j]
            rms_db = 20 * np.log10(np.sqrt(np.mean(a ** 2)) / np.sqrt(np.mean(c ** 2)))
            assert a.shape != c.shape or abs(centroid(a) / centroid(c) - 1) > 0.03 or abs(rms_db) > 1


def test_kit_is_deterministic_across_banks_and_processes():
    b1, b2 = SampleBank((), SR), SampleBank((), SR)
    for name in kit.kit_names():
        for i in range(b1.count(name)):
            assert np.array_equal(b1.get(name, i), b2.get(name, i))
    code = "from tests.test_samples import _kit_digest; print(_kit_digest(44100))"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": root}, check=True)
    assert out.stdout.strip() == _kit_digest(SR)


@pytest.mark.parametrize("wn,kind", [(0.068, "low"), (0.068, "high"), (0.95, "high"),
                                      ((0.054, 0.408), "band"), ((0.2, 0.9), "band")])
def test_kit_butterworth_matches_scipy_and_is_3db_down_at_its_edges(wn, kind):
    """The kit's own Butterworth design (no scipy.signal import in workers) gives
    scipy.signal.butter's coefficients, its filter gives lfilter's output to 1e-12, and the
    magnitude is -3.01 dB at each edge, as a Butterworth's is."""
    from scipy import signal
    b, a = kit.butter2(wn, kind)
    b2, a2 = signal.butter(2, wn, btype=kind)
    np.testing.assert_allclose(b, b2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a, a2, rtol=1e-12, atol=1e-15)
    x = np.random.default_rng(3).standard_normal(4096)
    np.testing.assert_allclose(kit.iir(b, a, x), signal.lfilter(b2, a2, x), atol=1e-12)
    for edge in np.atleast_1d(wn):
        _, h = signal.freqz(b, a, worN=[np.pi * edge])
        assert abs(20 * np.log10(abs(h[0])) + 3.0103) < 0.01


def test_kit_at_other_rate_has_same_duration():
    a, b = SampleBank((), 44100).get("bd", 0), SampleBank((), 22050).get("bd", 0)
    assert abs(a.shape[1] / 44100 - b.shape[1] / 22050) < 1e-3


def test_index_wraps_and_names():
    b = SampleBank((), SR)
    n = b.count("bd")
    assert np.array_equal(b.get("bd", n + 1), b.get("bd", 1))
    assert np.array_equal(b.get("bd", -1), b.get("bd", n - 1))
    assert set(kit.kit_names()) <= set(b.names())


def _sine(sr, seconds, freq, channels=1):
    t = np.arange(int(sr * seconds)) / sr
    x = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.stack([x] * channels, axis=1)


@pytest.fixture
def dirt(tmp_path):
    d = tmp_path / "dirt" / "tone"
    d.mkdir(parents=True)
    sf.write(d / "b.wav", _sine(48000, 0.5, 1000.0), 48000, subtype="FLOAT")
    sf.write(d / "a.WAV", _sine(22050, 0.3, 1000.0, channels=2), 22050, subtype="PCM_24")
    sf.write(d / "c.flac", _sine(44100, 0.2, 500.0), 44100)
    (d / "notes.txt").write_text("not audio")
    (tmp_path / "dirt" / "empty").mkdir()
    return tmp_path / "dirt"


def _peak_hz(x, sr):
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.argmax(spec) * sr / len(x)


def test_dirt_folder_loads_sorted_resampled_and_wraps(dirt):
    b = SampleBank((str(dirt),), SR)
    assert b.exists("tone") and not b.exists("empty") and b.count("tone") == 3
    a, bb, c = (b.get("tone", i) for i in range(3))
    # sorted by file name, case-insensitive extension: a.WAV, b.wav, c.flac
    assert a.shape == (2, int(0.3 * 22050) * 2)          # 22050 -> 44100: exactly twice as long
    assert bb.shape == (1, -(-int(0.5 * 48000) * 147 // 160))  # 48000 -> 44100 (ratio 147/160)
    assert c.shape == (1, int(0.2 * 44100))
    assert abs(_peak_hz(a[0], SR) - 1000) < SR / a.shape[1]
    assert abs(_peak_hz(bb[0], SR) - 1000) < SR / bb.shape[1]
    assert np.array_equal(b.get("tone", 4), bb)           # wraps
    assert b.max_frames("tone") == bb.shape[1]
    assert b.get("tone", 0) is a                          # cached
    assert "tone" in b.names() and "bd" in b.names()


def test_roots_in_order_before_the_kit(tmp_path, dirt):
    first = tmp_path / "first" / "bd"
    first.mkdir(parents=True)
    sf.write(first / "x.wav", _sine(SR, 0.1, 200.0), SR, subtype="FLOAT")
    b = SampleBank((str(tmp_path / "first"), str(dirt)), SR)
    assert b.count("bd") == 1 and b.get("bd", 0).shape == (1, int(0.1 * SR))
    assert b.count("sn") == SampleBank((), SR).count("sn")  # the kit is still behind the roots


def test_missing_name_warns_once_with_nearest_names():
    b = SampleBank((), SR)
    with pytest.warns(SampleWarning) as rec:
        x = b.get("bdd", 2)
    assert x.shape[1] == 0
    msg = str(rec[0].message)
    assert "unknown sound 'bdd'" in msg and "nearest: 'bd'" in msg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.get("bdd", 0)  # once per name per bank
    assert b.nearest("snn")[0] == "sn"


def test_register_a_buffer():
    b = SampleBank((), SR)
    data = np.random.default_rng(1).standard_normal((2, 100))
    b.register("~kick", data)
    assert b.exists("~kick") and b.count("~kick") == 1
    assert np.array_equal(b.get("~kick", 5), data)


def test_default_roots_order(tmp_path, monkeypatch):
    env_dir, cwd, home = tmp_path / "env", tmp_path / "cwd", tmp_path / "home"
    for d in (env_dir, cwd / "samples", home / "dirt-samples"):
        d.mkdir(parents=True)
    monkeypatch.setenv("PHONON_SAMPLES", str(env_dir))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    roots = default_roots("/cli/dir")
    assert roots == ("/cli/dir", str(env_dir), str(cwd / "samples"), str(home / "dirt-samples"))
    monkeypatch.setenv("PHONON_SAMPLES", str(tmp_path / "missing"))
    assert default_roots() == (str(cwd / "samples"), str(home / "dirt-samples"))


# -- the names real code uses, the listing, the unknown-sound check ------------------------------

@pytest.mark.parametrize("alias, target", sorted(kit.ALIASES.items()))
def test_kit_aliases_are_exactly_their_targets(alias, target):
    b = SampleBank((), SR)
    assert b.count(alias) == b.count(target)
    for i in range(b.count(alias)):
        assert np.array_equal(b.get(alias, i), b.get(target, i))


def test_drum_is_a_kit_of_hits_and_folders_win(tmp_path):
    b = SampleBank((), SR)
    assert b.count("drum") == len(kit.COMPOSITES["drum"])
    assert np.array_equal(b.get("drum", 1), b.get("sn", 0))
    d = tmp_path / "sd"
    d.mkdir()
    sf.write(d / "a.wav", np.full(100, 0.25), SR)
    f = SampleBank((str(tmp_path),), SR)
    assert f.count("sd") == 1 and np.allclose(f.get("sd")[0], 0.25, atol=1e-4)


def test_phonon_samples_lists_folders_kit_and_synths(tmp_path, capsys):
    from phonon.cli import main
    for name, n in (("arpy", 3), ("bass", 2)):
        (tmp_path / name).mkdir()
        for i in range(n):
            sf.write(tmp_path / name / f"{i}.wav", np.zeros(10), SR)
    assert main(["samples", "--samples", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "arpy (3)" in out and "bass (2)" in out
    assert "bd (4)" in out and "sd = sn" in out and "drum (10" in out
    assert "superpiano" in out and "sawtooth" in out


def test_check_reports_unknown_sounds_and_strict_render_fails(tmp_path, capsys):
    from phonon.cli import main
    p = tmp_path / "p.ph"
    p.write_text('out: s "bd superpiano sdd kick drum:3"\n')
    assert main(["check", str(p)]) == 1
    err = capsys.readouterr().err
    assert "1:6: unknown sound 'sdd' — nearest: 'sd'" in err and "phonon samples" in err
    assert main(["render", str(p), str(tmp_path / "a.wav"), "--cycles", "1", "--strict"]) == 1
    assert "(--strict)" in capsys.readouterr().err
    assert main(["render", str(p), str(tmp_path / "a.wav"), "--cycles", "1", "--no-progress"]) == 0
    assert "warning: unknown sound 'sdd'" in capsys.readouterr().err
    p.write_text('out: s "bd superpiano sd kick drum:3 sine"\n')
    assert main(["check", str(p)]) == 0
