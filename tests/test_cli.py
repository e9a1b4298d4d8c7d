"""`phonon` CLI: render, check, functions; exit codes; no partial files."""
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from phonon.cli import main

from conftest import PATCHES, ROOT


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "phonon.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=600)


@pytest.mark.parametrize("patch", sorted(PATCHES.glob("*.ph")), ids=lambda p: p.stem)
def test_shared_patches_render(patch, tmp_path):
    out = tmp_path / "out.wav"
    assert main(["render", str(patch), str(out), "--cycles", "4", "--no-progress"]) == 0
    data, sr = sf.read(out, always_2d=True)
    assert sr == 44100 and data.shape[1] == 2
    from phonon.compiler import compile_source
    cps = compile_source(patch.read_text()).cps
    assert data.shape[0] == int(np.ceil(4 / float(cps) * 44100)) or abs(data.shape[0] - 4 / cps * 44100) < 1
    # stress_extreme writes `# gain 0.02`: Tidal's gain is SuperDirt's exponential curve
    # (amp * gain^4), so it plays about -110 dBFS, as SuperDirt would; the others are loud.
    floor = 1e-7 if patch.stem == "stress_extreme" else 0.01
    assert np.max(np.abs(data)) > floor


def test_render_summary_and_formats(tmp_path, capsys):
    src = tmp_path / "p.ph"
    src.write_text("out: sine 440 * 0.5\n")
    assert main(["render", str(src), str(tmp_path / "a.flac"), "--duration", "0.5", "--bit-depth", "16",
                 "--mono"]) == 0
    text = capsys.readouterr().out
    assert "peak -6.0 dBFS" in text and "RMS -9.0 dBFS" in text and "realtime" in text
    info = sf.info(tmp_path / "a.flac")
    assert info.format == "FLAC" and info.subtype == "PCM_16" and info.channels == 1
    assert info.frames == 22050


def test_clipping_warns_with_count(tmp_path, capsys):
    src = tmp_path / "p.ph"
    src.write_text("out: sine 100 * 2\n")
    assert main(["render", str(src), str(tmp_path / "a.wav"), "--duration", "0.1", "--bit-depth", "16"]) == 0
    out = capsys.readouterr().out
    assert "samples clipped" in out


def test_user_error_exit_1_clean_message_no_file(tmp_path):
    src = tmp_path / "bad.ph"
    src.write_text("out: saw 55 # revrb 0.5\n")
    out = tmp_path / "x.wav"
    r = run_cli("render", str(src), str(out))
    assert r.returncode == 1
    assert "did you mean 'reverb'" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and not list(tmp_path.glob("*.partial*"))


def test_missing_patch_is_user_error(tmp_path):
    r = run_cli("render", str(tmp_path / "nope.ph"), str(tmp_path / "x.wav"))
    assert r.returncode == 1 and "patch file not found" in r.stderr


def test_check_prints_dump(tmp_path):
    r = run_cli("check", str(PATCHES / "house.ph"))
    assert r.returncode == 0 and "sampler(" in r.stdout and "-- ok:" in r.stdout


def test_functions_listing_and_one(capsys):
    assert main(["functions"]) == 0
    assert "lpf" in capsys.readouterr().out
    assert main(["functions", "lpf"]) == 0
    out = capsys.readouterr().out
    assert "cutoff" in out and "example:" in out
    assert main(["functions", "lpff"]) == 1


def test_render_profile_lists_nodes_and_pattern_share(tmp_path, capsys):
    src = tmp_path / "p.ph"
    src.write_text('out: s "bd*8" + saw 55 # lpf 800 0.8\n')
    assert main(["render", str(src), str(tmp_path / "a.wav"), "--cycles", "1", "--profile"]) == 0
    out = capsys.readouterr().out
    assert "profile (" in out and "sampler" in out and "lpf" in out and "pattern queries" in out


def test_bad_options_are_user_errors(tmp_path, capsys):
    src = tmp_path / "p.ph"
    src.write_text('out: s "bd"\n')
    assert main(["render", str(src), str(tmp_path / "x.mp3"), "--cycles", "1"]) == 1
    assert "unknown extension '.mp3'" in capsys.readouterr().err
    assert not (tmp_path / "x.mp3").exists()
    assert main(["render", str(src), str(tmp_path / "x.wav"), "--samples", str(tmp_path / "nope")]) == 1
    assert "--samples: folder not found" in capsys.readouterr().err


def test_missing_sample_warns_cleanly(tmp_path, capsys):
    src = tmp_path / "p.ph"
    src.write_text('out: s "bdd sn"\n')
    assert main(["render", str(src), str(tmp_path / "x.wav"), "--cycles", "1"]) == 0
    err = capsys.readouterr().err
    assert "warning: unknown sound 'bdd' — nearest: 'bd'" in err and ".py:" not in err
