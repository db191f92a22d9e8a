"""Run many `crm` command lines as real processes, each forked from one that imported crm once.

`python tests/forkrun.py` reads a pickled list of (argv bytes, stdin bytes, env) from
standard input and writes back a pickled list of (exit status, stdout, stderr). Each case
is its own process, with its own argv (decoded as Python decodes a command line), standard
streams on pipes and exit status, exactly as `crm` run from a shell, but without paying
Python's and the libraries' start-up a hundred times. An exception that escapes `main()`
prints its traceback as the interpreter would, so a test sees it.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback

Case = tuple[list[bytes], bytes, dict[str, str]]
Result = tuple[int, bytes, bytes]

PARALLEL = 3


def _child(argv: list[bytes], env: dict[str, str], fds: tuple[int, int, int]) -> None:
    for fd, target in zip(fds, (0, 1, 2), strict=True):
        os.dup2(fd, target)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["crm", *(os.fsdecode(a) for a in argv)]
    code = 0
    try:
        from crm_tui.cli import main

        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _start(case: Case) -> tuple[int, int, int]:
    argv, stdin, env = case
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        for fd in (in_w, out_r, err_r):
            os.close(fd)
        _child(argv, env, (in_r, out_w, err_w))
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    os.write(in_w, stdin)  # small: a pipe's buffer holds it
    os.close(in_w)
    return pid, out_r, err_r


def run_all(cases: list[Case]) -> list[Result]:
    import selectors

    # Everything a command may import, loaded once before the first fork.
    import crm_tui.cli
    import crm_tui.db
    import crm_tui.models
    import crm_tui.services.contacts

    crm_tui.models.load_all()
    output: list[dict[int, bytearray]] = [{1: bytearray(), 2: bytearray()} for _ in cases]
    status: list[int] = [0] * len(cases)
    selector = selectors.DefaultSelector()
    running: dict[int, int] = {}  # pid -> case index
    open_pipes: dict[int, int] = {}  # case index -> pipes still open
    pending = list(range(len(cases)))
    while pending or running:
        while pending and len(running) < PARALLEL:
            index = pending.pop(0)
            pid, out_r, err_r = _start(cases[index])
            running[pid] = index
            open_pipes[index] = 2
            selector.register(out_r, selectors.EVENT_READ, (index, 1))
            selector.register(err_r, selectors.EVENT_READ, (index, 2))
        # Drain the pipes as children write, so a chatty one never blocks; reap the finished.
        for key, _ in selector.select(timeout=0.05):
            index, stream = key.data
            chunk = os.read(key.fd, 65536)
            if chunk:
                output[index][stream] += chunk
            else:
                selector.unregister(key.fd)
                os.close(key.fd)
                open_pipes[index] -= 1
        for pid, index in list(running.items()):
            if open_pipes[index] == 0:
                _, code = os.waitpid(pid, 0)
                status[index] = os.waitstatus_to_exitcode(code)
                del running[pid]
    return [(status[i], bytes(output[i][1]), bytes(output[i][2])) for i in range(len(cases))]


def run_forked(
    argvs: list[list[bytes | str]], env: dict[str, str], cwd: str | os.PathLike[str], stdins: list[bytes] | None = None
) -> list[Result]:
    """(exit status, stdout, stderr) of each command line, run by this module in a subprocess."""
    import subprocess

    cases = [
        ([a if isinstance(a, bytes) else os.fsencode(a) for a in argv], (stdins or [])[i] if stdins else b"", env)
        for i, argv in enumerate(argvs)
    ]
    done = subprocess.run(
        [sys.executable, __file__], input=pickle.dumps(cases), capture_output=True, env=env, cwd=cwd, timeout=600,
        check=True,
    )  # fmt: skip
    return pickle.loads(done.stdout)  # type: ignore[no-any-return]


if __name__ == "__main__":
    sys.stdout.buffer.write(pickle.dumps(run_all(pickle.loads(sys.stdin.buffer.read()))))
