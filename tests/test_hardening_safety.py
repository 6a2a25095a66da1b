"""kgclint writes and executes nothing the user did not ask for, whatever the scanned tree contains.

The tests run as root in CI, where ``chmod a-w`` stops no write, so the
proof that a run wrote nothing is a snapshot of every file's bytes, mode
and mtime (and every directory's listing) taken before and compared after.
Runs use a private HOME/XDG cache so the developer's cache is not touched
and so the tests can see whether anything was written there.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pickle
import shutil
import sqlite3
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from kgclint.cache import content_key

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
#: A C file every C front-end must report (binary data): a KGC001 finding at its path that depends on no rule.
BINARY_C = b"int a;\n\0\n"


def snapshot(top: Path) -> dict[str, tuple]:
    """Every entry under ``top``: kind, mode, and for files bytes hash and mtime; symlinks by target."""
    seen: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(folder) / name
            info = os.lstat(path)
            rel = os.path.relpath(path, top)
            if stat.S_ISLNK(info.st_mode):
                seen[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                seen[rel] = ("dir", stat.S_IMODE(info.st_mode), info.st_mtime_ns)
            else:
                seen[rel] = ("file", stat.S_IMODE(info.st_mode), info.st_mtime_ns,
                             hashlib.sha256(path.read_bytes()).hexdigest())
    return seen


def private_env(home: Path) -> dict[str, str]:
    """The environment of a run whose default cache lives under ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in ("KGCLINT_CACHE_DIR", "XDG_CACHE_HOME")}
    env["HOME"] = str(home)
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    return env


def kgclint(*args: str, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kgclint", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def make_readonly(top: Path) -> None:
    for folder, dirs, files in os.walk(top):
        for name in files:
            os.chmod(Path(folder) / name, 0o444)
        os.chmod(folder, 0o555)


def make_writable(top: Path) -> None:
    for folder, dirs, files in os.walk(top):
        os.chmod(folder, 0o755)
        for name in dirs:
            os.chmod(Path(folder) / name, 0o755)


@pytest.fixture
def readonly_corpus(tmp_path):
    """A read-only copy of the whole corpus (every front-end's inputs), made writable again afterwards."""
    tree = tmp_path / "corpus"
    shutil.copytree(CORPUS, tree, symlinks=True)
    make_readonly(tree)
    yield tree
    make_writable(tree)


def test_readonly_tree_is_not_written(readonly_corpus, tmp_path):
    """Checks of the whole corpus (every front-end), uncached, cold and warm cache, change nothing in the tree."""
    home = tmp_path / "home"
    home.mkdir()
    env = private_env(home)
    before = snapshot(readonly_corpus)
    assert len(before) > 50
    outputs = []
    for extra in (["--no-cache"], ["--cache-dir", str(tmp_path / "cache")], ["--cache-dir", str(tmp_path / "cache")]):
        run = kgclint("check", str(readonly_corpus), "--format", "json", "-j2", *extra, cwd=tmp_path, env=env)
        assert run.returncode == 1, run.stderr
        assert "Traceback" not in run.stderr
        outputs.append(run.stdout)
    assert snapshot(readonly_corpus) == before
    assert all(json.loads(out)["summary"]["findings"] > 0 for out in outputs)


def test_no_cache_writes_nothing_anywhere(tmp_path):
    """``--no-cache`` means no cache: the default cache location stays empty (linker-script cpp included)."""
    home = tmp_path / "home"
    home.mkdir()
    tree = tmp_path / "tree"
    shutil.copytree(CORPUS, tree, symlinks=True)
    (tree / "x.lds.S").write_text("#define T .text\nSECTIONS { T : { *(.text) } }\n")
    before = snapshot(tree)
    run = kgclint("check", str(tree), "--no-cache", "--format", "json", "-j1", cwd=tmp_path, env=private_env(home))
    assert run.returncode in (0, 1), run.stderr
    assert snapshot(tree) == before
    assert snapshot(home) == {}, "kgclint --no-cache wrote under $HOME/$XDG_CACHE_HOME"


@pytest.mark.parametrize("cache", ["/proc/kgclint-cache-cannot-exist", "file"])
def test_unusable_cache_degrades_to_no_cache(tmp_path, cache):
    """A cache directory that cannot be created (root ignores modes, so: under /proc, or a file) warns once."""
    home = tmp_path / "home"
    home.mkdir()
    if cache == "file":
        cache_path = tmp_path / "not-a-dir"
        cache_path.write_text("x")
        cache = str(cache_path)
    case = tmp_path / "tree"
    (case / "drivers").mkdir(parents=True)
    (case / "drivers" / "bin.c").write_bytes(BINARY_C)
    plain = kgclint("check", str(case), "--no-cache", "--format", "json", "--select", "KGC0,KGC1", cwd=tmp_path,
                    env=private_env(home))
    degraded = kgclint("check", str(case), "--cache-dir", cache, "--format", "json", "--select", "KGC0,KGC1",
                       cwd=tmp_path, env=private_env(home))
    assert degraded.returncode == plain.returncode == 1, degraded.stderr
    assert degraded.stdout == plain.stdout
    assert "warning" in degraded.stderr and cache in degraded.stderr
    assert "running without a cache" in degraded.stderr
    assert "Traceback" not in degraded.stderr


# ------------------------------------------------------------------ nothing is executed or evaluated

#: Calls that run code or a shell from data.
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "os.system", "os.popen", "os.execv", "os.execvp",
                   "os.execl", "os.spawnl", "os.spawnv", "subprocess.getoutput", "subprocess.getstatusoutput",
                   "pty.spawn", "runpy.run_path", "runpy.run_module"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def python_sources() -> list[Path]:
    return sorted([*(REPO / "kgclint").rglob("*.py"), *(REPO / "rules").rglob("*.py")])


def test_code_base_has_no_eval_exec_or_shell():
    """No eval/exec/compile, no os.system/popen, no shell=True, no string command lines, anywhere in kgclint."""
    problems = []
    for path in python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func)
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if name in FORBIDDEN_CALLS:
                problems.append(f"{where}: {name}()")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                    problems.append(f"{where}: {name}(shell=...)")
            if name.startswith("subprocess.") and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
                problems.append(f"{where}: {name} with a command string, not an argument list")
    assert python_sources()
    assert problems == []


def test_tree_supplied_cache_is_not_unpickled(tmp_path):
    """A tree whose configuration points the cache at a planted database must not run the tree's code.

    The results cache holds pickles; a pickle runs code when loaded. A tree
    under review (a pull request in CI) can ship ``.kgclint.toml`` with
    ``cache-dir = "cachedir"`` and a ``cachedir/results.sqlite`` whose blob
    for one of its own files is a crafted pickle (the key is computable: it
    is the content hash plus kgclint's public code fingerprint).
    """
    home = tmp_path / "home"
    home.mkdir()
    tree = tmp_path / "tree"
    (tree / "drivers").mkdir(parents=True)
    data = BINARY_C
    (tree / "drivers" / "a.c").write_bytes(data)
    (tree / ".kgclint.toml").write_text('[tool.kgclint]\ncache-dir = "cachedir"\n')
    marker = tmp_path / "PWNED"
    (tree / "cachedir").mkdir()
    db = sqlite3.connect(tree / "cachedir" / "results.sqlite")
    db.executescript(
        "CREATE TABLE results (key TEXT PRIMARY KEY, blob BLOB NOT NULL);"
        "CREATE TABLE stats (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, inode INTEGER, digest TEXT);"
    )
    digest = hashlib.blake2b(data, digest_size=20).hexdigest()
    payload = zlib.compress(_touching_pickle(marker))
    for arch in (None, "x86"):
        db.execute("INSERT INTO results VALUES (?, ?)", (_key(digest, "c", arch, "drivers/a.c"), payload))
    db.commit()
    db.close()
    run = kgclint("check", str(tree), "--format", "json", "-j1", "--select", "KGC0,KGC1", cwd=tree,
                  env=private_env(home))
    assert not marker.exists(), "kgclint executed code planted in a tree-supplied cache"
    # The cache location is not a configuration key: the tree cannot choose it.
    assert run.returncode == 2 and "unknown key(s) in [tool.kgclint]: cache-dir" in run.stderr, run.stderr


def _key(digest: str, kind: str, arch: str | None, relpath: str) -> str:
    """The cache key kgclint computes for a file (whether or not its version keys by path)."""
    import inspect

    if len(inspect.signature(content_key).parameters) == 4:
        return content_key(digest, kind, arch, relpath)
    return content_key(digest, kind, arch)


class _Touch:
    """Pickles as a call of Path.touch: loading the pickle creates the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _touching_pickle(marker: Path) -> bytes:
    return pickle.dumps(_Touch(marker), protocol=pickle.HIGHEST_PROTOCOL)


# ------------------------------------------------------------------ hostile names and values are data

HOSTILE_NAMES = [
    "with space.c",
    "new\nline.c",
    "-rf.c",
    "--format=sarif.c",
    "$(touch pwned).c",
    "`touch pwned`.c",
    "a;touch pwned;.c",
    "quote'\"|&>pwned.c",
    "ünï\u202ecode.c",
    "-o pwned.lds.S",
]


def test_hostile_file_names_are_data(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    tree = tmp_path / "tree"
    (tree / "drivers" / "x").mkdir(parents=True)
    for name in HOSTILE_NAMES:
        content = b"SECTIONS { .text : { *(.text) } }\n" if name.endswith(".lds.S") else BINARY_C
        (tree / "drivers" / "x" / name).write_bytes(content)
    run = kgclint("check", ".", "--format", "json", "--no-cache", "-j1", cwd=tree, env=private_env(home))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    reported = {f["location"]["path"] for f in json.loads(run.stdout)["findings"] if f["code"] == "KGC001"}
    assert reported == {f"drivers/x/{name}" for name in HOSTILE_NAMES if name.endswith(".c")}
    assert not list(tmp_path.rglob("pwned")) and not (tree / "pwned").exists()
    assert not Path("pwned").exists()


HOSTILE_VALUES = [
    'arch = "$(touch pwned)"',
    'arch = "x86; touch pwned"',
    'arch = "../../../../tmp"',
    'arch = "x86\\n-include /etc/passwd"',
    'arch = "-o pwned"',
    'exclude = ["$(touch pwned)", "`touch pwned`", "[!"]',
    'select = ["KGC1", "$(touch pwned)"]',
    'build-dir = "`touch pwned`"',
    'config = "-o pwned"',
    '[tool.kgclint.per-file-ignores]\n"$(touch pwned)" = ["KGC1"]',
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_config_values_are_data(tmp_path, value):
    home = tmp_path / "home"
    home.mkdir()
    tree = tmp_path / "tree"
    (tree / "arch" / "x86" / "kernel").mkdir(parents=True)
    (tree / "arch" / "x86" / "kernel" / "a.c").write_bytes(BINARY_C)
    (tree / "arch" / "x86" / "kernel" / "vmlinux.lds.S").write_text(
        "#include <asm/vmlinux.lds.h>\nSECTIONS { .text : { *(.text) } }\n")
    table = value if value.startswith("[") else f"[tool.kgclint]\n{value}\n"
    (tree / ".kgclint.toml").write_text(table)
    run = kgclint("check", ".", "--format", "json", "--no-cache", "-j1", cwd=tree, env=private_env(home))
    assert run.returncode in (0, 1, 2), run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert '"code": "KGC003"' not in run.stdout, run.stdout  # a bad value is a usage error, not a crash
    if run.returncode == 2:
        assert "kgclint: error:" in run.stderr  # refused with a message, as a usage error
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()


def test_missing_headers_are_never_stubbed_outside_the_work_dir(tmp_path):
    """A script including a missing header by an absolute or ``..`` path must not make kgclint create it."""
    home = tmp_path / "home"
    home.mkdir()
    tree = tmp_path / "tree"
    (tree / "arch" / "x86" / "kernel").mkdir(parents=True)
    (tree / "include").mkdir()
    absolute = tmp_path / "planted-absolute.h"
    climbing = tmp_path / "planted-climbing" / "x.h"
    up = "../" * (len(tree.parts) + 4)
    (tree / "arch" / "x86" / "kernel" / "vmlinux.lds.S").write_text(
        f'#include "{absolute}"\n#include "{up}{climbing.relative_to("/")}"\n#include <{up}{climbing.relative_to("/")}>\n'
        "SECTIONS { .text : { *(.text) } }\n"
    )
    before = snapshot(tree)
    for extra in (["--no-cache"], ["--cache-dir", str(tmp_path / "cache")]):
        run = kgclint("check", ".", "--format", "json", "-j1", *extra, cwd=tree, env=private_env(home))
        assert run.returncode in (0, 1), run.stderr
    assert not absolute.exists(), "kgclint created a file named by an #include in the scanned tree"
    assert not climbing.parent.exists(), "kgclint created a directory named by an #include in the scanned tree"
    assert snapshot(tree) == before


def test_scripts_cannot_copy_files_from_outside_the_tree_into_the_report(tmp_path):
    """``#include "/abs/secret"`` in a scanned script must not put the secret's text into kgclint's output.

    In CI the report is a log or a SARIF upload anyone reading the pull
    request can see; cpp reads whatever path it is given, so kgclint must
    not report (or parse) what came from outside the tree and its build
    directory.
    """
    home = tmp_path / "home"
    home.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRETTOKEN-abc123 hunter2\n")
    tree = tmp_path / "tree"
    (tree / "arch" / "x86" / "kernel").mkdir(parents=True)
    (tree / "include").mkdir()
    up = "../" * (len(tree.parts) + 2)
    (tree / "arch" / "x86" / "kernel" / "vmlinux.lds.S").write_text(
        f'#include "{secret}"\n#include "{up}{secret.relative_to("/")}"\nSECTIONS {{ .text : {{ *(.text) }} }}\n')
    for fmt in ("json", "sarif", "text"):
        run = kgclint("check", ".", "--format", fmt, "--no-cache", "-j1", cwd=tree, env=private_env(home))
        assert run.returncode in (0, 1), run.stderr
        assert "SECRETTOKEN" not in run.stdout + run.stderr
        assert "hunter2" not in run.stdout + run.stderr
