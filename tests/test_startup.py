"""Start-up: what a short `phonon render` imports (DESIGN.md "Performance"). Correctness-style
checks, not timings: a heavy import that creeps back into the render path fails here loudly;
the wall time itself is benchmarked in bench/bench_startup.py."""
import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import json, sys
    from phonon.cli import main
    try:
        main(["render", "--duration", "0.05", "--sr", "22050", "--no-progress", sys.argv[1], sys.argv[2]])
    except SystemExit as e:
        assert not e.code, e.code
    import numba.np.linalg as la
    print(json.dumps(sorted(m for m in sys.modules if "." not in m)))
""")

def _plain_env() -> dict:
    """The environment of a user's run: no test folders on PYTHONPATH (the farm tests put
    tests/site there, whose sitecustomize imports the test node kinds)."""
    import os
    from pathlib import Path
    return dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))


# imported by nothing a render of synthesized sound needs (scipy: 0.15-0.2 s, dask: seconds)
HEAVY = ("scipy", "dask", "distributed", "matplotlib", "pandas", "sklearn")


def _modules(tmp_path, patch_text: str) -> set:
    patch = tmp_path / "tiny.ph"
    patch.write_text(patch_text)
    out = subprocess.run([sys.executable, "-c", PROBE, str(patch), str(tmp_path / "o.wav")],
                         capture_output=True, text=True, timeout=120, env=_plain_env())
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_render_imports_no_scipy(tmp_path):
    mods = _modules(tmp_path, "out: saw 110 # lpf 800 0.8 # delay 0.25 0.6 # reverb 0.5 0.5 0.3\n")
    assert "numba" in mods  # the kernels did run
    heavy = sorted(m for m in HEAVY if m in mods)
    assert not heavy, f"a short render imported {heavy}: keep them out of the render path"


def test_event_render_imports_no_scipy(tmp_path):
    mods = _modules(tmp_path, 'out: s "bd*4 sn" # speed 1.5\n')
    assert "scipy" not in mods


def test_numba_linear_algebra_is_off_but_kernels_work():
    """Hiding scipy from numba turns off numba's np.dot/np.linalg in kernels (no Phonon kernel
    uses them); everything else compiles and runs."""
    code = textwrap.dedent("""
        import sys, phonon, numba, numpy as np
        @numba.njit
        def f(x):
            return x.sum() * 2.0
        assert f(np.ones(4)) == 8.0
        import numba.np.arraymath as am
        print(am._HAVE_BLAS, "scipy" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=_plain_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


PARSE = "from phonon.dsl.parser import parse; print(len(parse('out: saw 110 # lpf 800 0.8').statements))"


def _parse_in(cache):
    import os
    e = dict(_plain_env(), XDG_CACHE_HOME=str(cache))
    return subprocess.run([sys.executable, "-c", PARSE], capture_output=True, text=True,
                          timeout=60, env=e)


def test_parser_tables_are_cached_and_a_bad_cache_is_harmless(tmp_path):
    """The LR tables are built once (about 45 ms) and loaded from the cache afterwards; a
    damaged cache file or a cache folder that cannot be made still parses."""
    r = _parse_in(tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
    tables = list((tmp_path / "phonon").glob("parsetab-*.pickle"))
    assert len(tables) == 1 and tables[0].stat().st_size > 1000
    assert not list((tmp_path / "phonon").glob(".*tmp"))  # written under a temporary name
    assert _parse_in(tmp_path).stdout.strip() == "1"  # loaded from the cache
    tables[0].write_bytes(b"\x80\x04garbage")
    assert _parse_in(tmp_path).stdout.strip() == "1"
    blocked = tmp_path / "a-file"  # the cache folder cannot be made (even as root)
    blocked.write_text("")
    r = _parse_in(blocked)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
