"""Run `crm` command lines as real processes, each forked from one that imported crm once.

`python tests/forkrun.py [--parallel=N]` reads a pickled list of (argv bytes, stdin bytes, env)
from standard input and writes back a pickled list of (exit status, stdout, stderr), running N
cases at a time (PARALLEL by default; 1 runs them in order). Each case is its own process,
with its own argv (decoded as Python decodes a command line), standard streams on pipes and
exit status, exactly as `crm` run from a shell, but without paying Python's and the libraries'
start-up a hundred times. An exception that escapes `main()`
prints its traceback as the interpreter would, so a test sees it.

`python tests/forkrun.py --serve` does the same one command at a time, for tests whose
commands depend on each other (`crm`, below): each request is answered when its process
has exited, and may put the command's stdout and stderr on a terminal (a pseudo-terminal of
the given width) instead of pipes. The cold start itself (what `python -m crm_tui` imports)
is tested by tests/test_cli_process.py with plain subprocesses.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

Case = tuple[list[bytes], bytes, dict[str, str]]
Result = tuple[int, bytes, bytes]

PARALLEL = 3


def _child(argv: list[bytes], env: dict[str, str], fds: tuple[int, int, int], cwd: str | None = None) -> None:
    import time

    for fd, target in zip(fds, (0, 1, 2), strict=True):
        os.dup2(fd, target)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()  # TZ as this command's environment says, as a new interpreter would read it
    if os.isatty(1):  # as Python sets up a terminal's stdout at start-up
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if cwd is not None:
        os.chdir(cwd)
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


def run_all(cases: list[Case], parallel: int = PARALLEL) -> list[Result]:
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
        while pending and len(running) < parallel:
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
    argvs: list[list[bytes | str]],
    env: dict[str, str],
    cwd: str | os.PathLike[str],
    stdins: list[bytes] | None = None,
    *,
    envs: list[dict[str, str]] | None = None,
    prefix: tuple[str, ...] = (),
    parallel: int = PARALLEL,
) -> list[Result]:
    """(exit status, stdout, stderr) of each command line, run by this module in a subprocess,
    `parallel` at a time (1: one after the other, in order).

    Each command runs in `env`, or in its own of `envs` (one per command line) when given. `prefix`
    is what the subprocess is started under (`setpriv` dropping root's privileges), and so every
    command forked from it.
    """
    import subprocess

    assert envs is None or len(envs) == len(argvs)
    cases = [
        (
            [a if isinstance(a, bytes) else os.fsencode(a) for a in argv],
            (stdins or [])[i] if stdins else b"",
            envs[i] if envs is not None else env,
        )
        for i, argv in enumerate(argvs)
    ]
    done = subprocess.run(
        [*prefix, sys.executable, __file__, f"--parallel={parallel}"], input=pickle.dumps(cases),
        capture_output=True, env=env, cwd=cwd, timeout=600, check=True,
    )  # fmt: skip
    return pickle.loads(done.stdout)  # type: ignore[no-any-return]


# --- one command at a time -------------------------------------------------------------

# A request: argv, stdin, env, cwd, and the terminal's width or None for pipes.
Request = tuple[list[bytes], bytes, dict[str, str], str, int | None]


def _load_everything() -> None:
    import crm_tui.cli
    import crm_tui.db
    import crm_tui.models
    import crm_tui.services.contacts

    crm_tui.models.load_all()
    del crm_tui


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # a pseudo-terminal whose other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _run_one(request: Request) -> Result:
    import selectors

    argv, stdin, env, cwd, columns = request
    in_r, in_w = os.pipe()
    if columns is None:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
    else:
        import fcntl
        import pty
        import struct
        import termios

        out_r, out_w = pty.openpty()
        fcntl.ioctl(out_w, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        err_r, err_w = out_r, out_w
    pid = os.fork()
    if pid == 0:
        for fd in {in_w, out_r, err_r, *_PROTOCOL}:
            os.close(fd)
        _child(argv, env, (in_r, out_w, err_w), cwd)
    for fd in {in_r, out_w, err_w}:
        os.close(fd)
    os.write(in_w, stdin)  # small: a pipe's buffer holds it
    os.close(in_w)
    if columns is not None:
        out, err = _read_all(out_r).replace(b"\r\n", b"\n"), b""
    else:
        output = {out_r: bytearray(), err_r: bytearray()}
        selector = selectors.DefaultSelector()
        for fd in output:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            for key, _ in selector.select():
                chunk = os.read(key.fd, 65536)
                if chunk:
                    output[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
        out, err = bytes(output[out_r]), bytes(output[err_r])
    _, code = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(code), out, err


_PROTOCOL: tuple[int, ...] = ()


def serve() -> None:
    """Answer requests read from standard input, one at a time, until it closes."""
    global _PROTOCOL
    import struct

    # The protocol keeps fds of its own: 0 and 1 are each child's to have.
    requests, answers = os.dup(0), os.dup(1)
    _PROTOCOL = (requests, answers)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    _load_everything()
    while True:
        header = _read_exactly(requests, 8)
        if not header:
            return
        (size,) = struct.unpack("!Q", header)
        answer = pickle.dumps(_run_one(pickle.loads(_read_exactly(requests, size))))
        os.write(answers, struct.pack("!Q", len(answer)))
        view = memoryview(answer)
        while view:
            view = view[os.write(answers, view) :]


def _read_exactly(fd: int, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return bytes(data)
        data += chunk
    return bytes(data)


class Server:
    """The test's side of `forkrun.py --serve`: started on first use, one per test process."""

    _instance: Server | None = None

    def __init__(self) -> None:
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(os.environ)
        )

    @classmethod
    def get(cls) -> Server:
        if cls._instance is None or cls._instance.proc.poll() is not None:
            cls._instance = cls()
        return cls._instance

    def run(self, request: Request) -> Result:
        import struct

        assert self.proc.stdin is not None and self.proc.stdout is not None
        data = pickle.dumps(request)
        self.proc.stdin.write(struct.pack("!Q", len(data)) + data)
        self.proc.stdin.flush()
        header = self.proc.stdout.read(8)
        if len(header) < 8:
            raise RuntimeError(f"forkrun server exited with status {self.proc.wait()}")
        (size,) = struct.unpack("!Q", header)
        return pickle.loads(self.proc.stdout.read(size))  # type: ignore[no-any-return]


def crm(
    env: dict[str, str], *args: str, stdin: str | None = None, columns: int | None = None
) -> subprocess.CompletedProcess[str]:
    """`crm ARGS` as its own process with `env` over this one's environment, like `subprocess.run`
    with text=True and capture_output=True. With `columns`, stdout and stderr are one terminal
    that wide (its output in `.stdout`, CR LF as LF)."""
    import subprocess

    request: Request = (
        [os.fsencode(a) for a in args],
        (stdin or "").encode(),
        {**os.environ, **env},
        os.getcwd(),
        columns,
    )
    status, out, err = Server.get().run(request)
    return subprocess.CompletedProcess(
        ["crm", *args], status, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        at_once = int(sys.argv[1].removeprefix("--parallel=")) if sys.argv[1:] else PARALLEL
        sys.stdout.buffer.write(pickle.dumps(run_all(pickle.loads(sys.stdin.buffer.read()), at_once)))
