"""The course's two real programs (servidor_echo, cliente_interactivo) and lab.programs, which runs them.

Every test speaks real sockets on loopback to real processes; every wait is bounded and generous
where it must not run out (``PATIENT``), short where it must (0.3 s). After each test no child
process may be left (checked with psutil).
"""

from __future__ import annotations

import re
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import threading

import psutil
import pytest
from conftest import PATIENT, settle

import labsupport as lab
from labsupport import programs, scripts
from labsupport._address import format_address
from labsupport.programs import ProgramError

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="señales POSIX; la rama de Windows no se prueba aquí")


@pytest.fixture(autouse=True)
def _no_child_left():
    """Every test ends with no process of ours still running: stopped, killed or ended by itself."""
    yield
    lab.stop_all()
    me = psutil.Process()
    assert settle(lambda: not [c for c in me.children(recursive=True) if c.status() != psutil.STATUS_ZOMBIE]), (
        me.children(recursive=True)
    )


@pytest.fixture
def servidor():
    with programs.start("servidor_echo") as proc:
        yield proc


def client_of(servidor: programs.Program, *args: object) -> programs.Program:
    host, port = servidor.address
    return programs.start("cliente_interactivo", "--host", host, "--puerto", port, *args)


def script(tmp_path, text: str) -> str:
    path = tmp_path / "programa.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while data := sock.recv(65536):
        chunks.append(data)
    return b"".join(chunks)


# -- two programs, one connection ---------------------------------------------------------------
def test_server_announces_its_real_loopback_address(servidor):
    host, port = servidor.address
    assert host == "127.0.0.1" and 1024 <= port <= 65535
    assert servidor.ready_line == f"Servidor Echo iniciado en 127.0.0.1:{port} (Ctrl+C para pararlo)"
    assert servidor.pid != psutil.Process().pid and servidor.running


def test_client_and_server_are_two_processes_on_both_ends_of_one_connection(servidor):
    with client_of(servidor) as cliente:
        cliente.send_line("hola")
        assert cliente.wait_for("^Servidor:") == "Servidor: Echo: hola"
        client_end, server_end = cliente.local_address, servidor.address
        try:
            listed = psutil.net_connections(kind="tcp")
        except psutil.AccessDenied:             # macOS without root lists only this process's sockets
            pytest.skip("este sistema no deja ver las conexiones de otros procesos sin privilegios")
        established = [
            c for c in listed
            if c.status == psutil.CONN_ESTABLISHED and c.raddr
            and {tuple(c.laddr), tuple(c.raddr)} == {client_end, server_end}
        ]
        owners = {(tuple(c.laddr), c.pid) for c in established}
        assert owners == {(server_end, servidor.pid), (client_end, cliente.pid)}
        assert servidor.pid != cliente.pid and cliente.address == server_end
        seen = [(f["local"], f["remota"], f["estado"], f["pid"]) for f in lab.conexiones(puerto=server_end[1])]
        server, client = format_address(server_end), format_address(client_end)
        # an earlier connection to this server may still be in TIME_WAIT (no process): not this one's
        assert [r for r in seen if r[2] != "TIME_WAIT"] == [
            (server, None, "LISTEN", servidor.pid),
            (server, client, "ESTABLISHED", servidor.pid),
            (client, server, "ESTABLISHED", cliente.pid),
        ]
        assert all(r[3] is None for r in seen if r[2] == "TIME_WAIT")
        assert {f["local"] for f in lab.conexiones(curso=True) if f["estado"] != "TIME_WAIT"} == {server, client}
        cliente.send_line("salir")
        assert cliente.wait(PATIENT) == 0
    assert "Conexión cerrada" in cliente.output()
    servidor.wait_for(rf"^Conexión cerrada con 127\.0\.0\.1:{client_end[1]} \(el cliente cerró\)$")


def test_client_reads_the_whole_reply_of_a_long_message_with_split_characters(servidor):
    mensaje = "año " * 10_000                   # 50 000 bytes (under the 64 KiB line limit): many recv()
    with client_of(servidor) as cliente:
        cliente.send_line(mensaje)
        cliente.send_line("después")
        assert cliente.wait_for("^Servidor:") == "Servidor: Echo: " + mensaje
        assert cliente.wait_for("^Servidor:") == "Servidor: Echo: después"
        cliente.close_input()                   # EOF: it ends as with «salir»
        assert cliente.wait(PATIENT) == 0


def test_server_frames_by_line_whatever_the_fragments(servidor):
    with socket.create_connection(servidor.address, timeout=PATIENT) as sock:
        for piece in (b"ho", b"la\nse", "gunda ñ".encode()[:-1], "ñ".encode()[-1:] + b"\n\n"):
            sock.sendall(piece)                 # a line in pieces, two in one, an «ñ» cut in two
        sock.shutdown(socket.SHUT_WR)
        assert read_until_closed(sock) == "Echo: hola\nEcho: segunda ñ\nEcho: \n".encode()
    servidor.wait_for("^Recibido de .*: segunda ñ$")


@pytest.mark.skipif(not socket.has_ipv6, reason="sin IPv6")
def test_both_programs_speak_ipv6_on_loopback():
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            pass
    except OSError:
        pytest.skip("sin ::1 en esta máquina")
    with programs.start("servidor_echo", "--host", "::1") as servidor:
        assert servidor.address[0] == "::1"
        assert servidor.ready_line.startswith("Servidor Echo iniciado en [::1]:")
        with client_of(servidor) as cliente:
            cliente.send_line("hola")
            assert cliente.wait_for("^Servidor:") == "Servidor: Echo: hola"


# -- stopping cleanly -----------------------------------------------------------------------------
@posix_only
@pytest.mark.parametrize(("signum", "reason"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl+C")])
def test_a_signal_stops_the_server_cleanly_closing_its_connections(servidor, signum, reason):
    with socket.create_connection(servidor.address, timeout=PATIENT) as sock:
        port = sock.getsockname()[1]
        servidor.wait_for(rf"^Conexión establecida con 127\.0\.0\.1:{port}$")
        servidor._proc.send_signal(signum)
        assert servidor.wait(PATIENT) == 0
        assert sock.recv(1) == b""              # FIN: the server closed our connection
    servidor.wait_for(rf"^Cerrando servidor\.\.\. \({re.escape(reason)}\)$")   # in this order
    servidor.wait_for(rf"^Conexión cerrada con 127\.0\.0\.1:{port} \(el servidor se para\)$")
    servidor.wait_for("^Servidor cerrado$")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(servidor.address, timeout=PATIENT).close()


@pytest.mark.parametrize(("how", "reason"), [("eof", "se cerró su entrada estándar"), ("salir", "«salir»")])
def test_closing_its_input_or_typing_salir_stops_the_server(servidor, how, reason):
    if how == "eof":
        servidor.close_input()
    else:
        servidor.send_line("salir")
    assert servidor.wait(PATIENT) == 0
    servidor.wait_for(rf"^Cerrando servidor\.\.\. \({reason}\)$")


def test_stop_returns_zero_for_the_servers_clean_exit_and_is_idempotent(servidor):
    assert servidor.stop() == 0 and not servidor.killed
    assert servidor.stop() == 0
    assert not servidor.running and servidor not in lab.running_servers()


def test_stop_all_stops_programs_too():
    servidor = programs.start("servidor_echo")
    assert servidor in lab.running_servers()
    assert lab.stop_all() >= 1
    assert servidor.returncode == 0 and servidor not in lab.running_servers()


def test_a_program_that_ends_by_itself_leaves_the_registry_and_reads_no_more_input(servidor):
    with client_of(servidor) as cliente:
        cliente.send_line("salir")
        assert cliente.wait(PATIENT) == 0
        assert settle(lambda: cliente not in lab.running_servers())
        with pytest.raises(ProgramError, match=r"terminó \(código 0\)"):
            cliente.send_line("¿sigues ahí?")


# -- deadlines ------------------------------------------------------------------------------------
STUBBORN = """
    import signal, subprocess, sys, threading
    signal.signal(signal.SIGTERM, signal.SIG_IGN)      # ignores the polite request
    hijo = subprocess.Popen([sys.executable, "-c",
        "import signal, threading; signal.signal(signal.SIGTERM, signal.SIG_IGN); threading.Event().wait()"])
    print("hijo", hijo.pid, flush=True)
    print("{first_line}", flush=True)
    threading.Event().wait()
"""


@posix_only
def test_a_program_that_never_exits_is_killed_at_the_deadline_with_its_child(tmp_path):
    proc = programs.start(script(tmp_path, STUBBORN.format(first_line="listo")), ready="^listo$")
    child = psutil.Process(int(proc.output().split()[1]))
    assert proc.stop(timeout=0.3) == -signal.SIGKILL
    assert proc.killed and not proc.running
    assert settle(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE)


@posix_only
def test_a_program_that_never_says_ready_is_killed_with_a_spanish_error(tmp_path):
    with pytest.raises(ProgramError) as caught:
        # 2 s, not 0.3: the deadline must fire, and it does, but only after the script has had the time to
        # start and ignore SIGTERM (under load, a SIGTERM at 0.3 s once found it still starting: "lo he parado").
        programs.start(script(tmp_path, STUBBORN.format(first_line="aún no")), ready="^listo$", timeout=2.0)
    message = str(caught.value)
    assert "no la escribió en 2 s" in message and "lo he matado" in message
    assert lab.running_servers() == []


def test_a_program_that_ends_before_ready_says_its_code_and_output(tmp_path):
    path = script(tmp_path, """
        import sys
        print("Error: no me gusta este puerto", file=sys.stderr)
        sys.exit(3)
    """)
    with pytest.raises(ProgramError, match=r"terminó \(código 3\)") as caught:
        programs.start(path, ready="^listo$")
    assert "Error: no me gusta este puerto" in str(caught.value)


def test_wait_for_a_line_that_never_comes_fails_at_its_deadline_and_the_program_keeps_running(servidor):
    with pytest.raises(ProgramError, match=r"no la escribió en 0.3 s"):
        servidor.wait_for("^nunca$", timeout=0.3)
    assert servidor.running


def test_wait_for_only_sees_new_lines(servidor):
    with client_of(servidor) as cliente:
        for text in ("uno", "dos"):
            cliente.send_line(text)
            assert cliente.wait_for("^Servidor:") == f"Servidor: Echo: {text}"


def test_send_line_to_a_program_that_never_reads_is_bounded(tmp_path):
    path = script(tmp_path, """
        import threading
        print("listo", flush=True)
        threading.Event().wait()                        # never reads its input
    """)
    with programs.start(path, ready="^listo$") as proc:
        with pytest.raises(ProgramError, match="no lee su entrada"):
            proc.send_line("x" * (4 * 1024 * 1024), timeout=0.3)
        assert proc.running


def test_a_program_that_prints_a_lot_never_blocks_and_its_output_is_bounded(tmp_path):
    path = script(tmp_path, """
        for i in range(150_000):
            print(f"línea {i:06d}")                     # about 2 MB: far more than a pipe holds
        print("fin")
    """)
    with programs.start(path) as proc:
        assert proc.wait_for("^fin$") == "fin"
        assert proc.wait(PATIENT) == 0
        text = proc.output()
    assert len(text) <= programs.MAX_OUTPUT + 100 and "líneas anteriores descartadas" in text
    assert text.endswith("línea 149999\nfin\n")


# -- bad input never crashes the server -----------------------------------------------------------
def test_a_mebibyte_without_newline_gets_a_spanish_error_and_the_server_goes_on(servidor):
    with socket.create_connection(servidor.address, timeout=PATIENT) as sock:
        port = sock.getsockname()[1]
        sock.sendall(b"x" * (1024 * 1024))
        sock.shutdown(socket.SHUT_WR)
        reply = read_until_closed(sock).decode("utf-8")
    assert reply == "Error: una línea de más de 65536 bytes sin salto de línea; cierro la conexión\n"
    servidor.wait_for(rf"^Conexión cerrada con 127\.0\.0\.1:{port} \(línea de más de 65536 bytes\)$")
    assert lab.clients.echo_once(servidor.address, b"hola\n")


def test_a_client_that_cuts_the_connection_does_not_crash_the_server(servidor):
    sock = socket.create_connection(servidor.address, timeout=PATIENT)
    port = sock.getsockname()[1]
    servidor.wait_for(rf"^Conexión establecida con 127\.0\.0\.1:{port}$")
    sock.sendall(b"medio mensaje sin fin de l")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()                                # RST instead of FIN
    servidor.wait_for(rf"^Conexión cerrada con 127\.0\.0\.1:{port} \(el cliente cortó la conexión \(RST\)\)$")
    assert lab.clients.echo_once(servidor.address, b"hola\n")
    assert servidor.stop() == 0


def test_clients_over_the_cap_are_told_and_closed():
    with programs.start("servidor_echo", "--max-clientes", 1) as servidor:
        with socket.create_connection(servidor.address, timeout=PATIENT) as first:
            servidor.wait_for(rf"^Conexión establecida con 127\.0\.0\.1:{first.getsockname()[1]}$")
            with socket.create_connection(servidor.address, timeout=PATIENT) as second:
                assert read_until_closed(second) == "Error: servidor lleno (1 clientes); prueba más tarde\n".encode()
            first.sendall(b"sigo\n")
            assert first.recv(100) == b"Echo: sigo\n"


# -- the client's failures ------------------------------------------------------------------------
def test_client_against_a_closed_port_says_so_and_exits_1():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]          # closed once the with ends
    proc = programs.start("cliente_interactivo", "--puerto", port, ready=None)
    assert proc.wait(PATIENT) == 1
    assert f"Error: no hay ningún servidor escuchando en 127.0.0.1:{port} (ConnectionRefusedError)" in proc.output()


def test_client_against_a_server_that_never_answers_times_out():
    with socket.create_server(("127.0.0.1", 0)) as silent:   # the kernel completes the handshake; nobody reads
        with programs.start("cliente_interactivo", "--puerto", silent.getsockname()[1], "--timeout", 0.3) as cliente:
            cliente.send_line("¿hay alguien?")
            assert cliente.wait(PATIENT) == 1
            assert "Error: el servidor no respondió en 0.3 s" in cliente.output()


def test_client_notices_the_server_closing():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(PATIENT)
        with programs.start("cliente_interactivo", "--puerto", listener.getsockname()[1]) as cliente:
            conn, _ = listener.accept()
            cliente.send_line("hola")
            assert conn.recv(100) == b"hola\n"
            conn.close()                        # FIN, no answer
            assert cliente.wait(PATIENT) == 1
            assert "El servidor cerró la conexión" in cliente.output()


@posix_only
def test_sigterm_ends_the_client_cleanly(servidor):
    with client_of(servidor) as cliente:
        port = cliente.local_address[1]
        servidor.wait_for(rf"^Conexión establecida con 127\.0\.0\.1:{port}$")
        assert cliente.stop() == 0 and not cliente.killed
    servidor.wait_for(rf"^Conexión cerrada con 127\.0\.0\.1:{port} \(el cliente cerró\)$")


# -- the command lines ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(scripts.READY))
@pytest.mark.parametrize("how", ["module", "file"])
def test_scripts_run_as_module_and_as_file_with_a_spanish_help(name, how):
    target = ["-m", f"labsupport.scripts.{name}"] if how == "module" else [str(scripts.path(name))]
    done = subprocess.run([sys.executable, *target, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"uso: {name} ") and "muestra esta ayuda y sale" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--puerto", "70000"], "el puerto debe estar entre 0 y 65535"),
        (["--host", "10.0.0.1"], "no es de loopback"),
        (["--host", "mi-servidor"], "El curso no resuelve nombres"),  # a name: refused, never looked up
        (["--max-clientes", "0"], "mayor que 0"),
    ],
)
def test_bad_arguments_get_a_spanish_usage_error(args, message):
    done = subprocess.run(
        [sys.executable, str(scripts.path("servidor_echo")), *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and message in done.stderr and "uso: servidor_echo" in done.stderr


def test_a_port_in_use_is_a_spanish_error(servidor):
    proc = programs.start("servidor_echo", "--puerto", servidor.address[1], ready=None)
    assert proc.wait(PATIENT) == 1
    assert f"Error: no puedo escuchar en 127.0.0.1:{servidor.address[1]}" in proc.output()


def test_an_unknown_program_is_a_spanish_error():
    with pytest.raises(ProgramError, match="no es un programa del curso"):
        programs.start("servidor_eco")


def test_address_of_a_program_that_announced_none_is_a_spanish_error(tmp_path):
    with programs.start(script(tmp_path, 'print("listo")'), ready="^listo$") as proc:
        with pytest.raises(ProgramError, match="no anunció esa dirección"):
            _ = proc.address


def test_a_stopped_programs_reader_thread_is_gone(servidor):
    servidor.stop()
    name = f"labsupport-programa-servidor_echo-{servidor.pid}"
    assert not any(t.name == name for t in threading.enumerate())


# -- in a real terminal (JupyterLab's is a pseudo-terminal, as here) -------------------------------
class Terminal:
    """A script run in a pseudo-terminal of its own, as in JupyterLab's terminal: input() shows its
    prompt, and the terminal turns Ctrl+C (\\x03) into SIGINT and Ctrl+D (\\x04) into end of file."""

    def __init__(self, *args: str) -> None:
        import os
        import pty  # noqa: F401  (POSIX only: imported here so that the module loads on Windows)

        self._os = os
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, *args], stdin=slave, stdout=slave, stderr=slave,
            env=dict(os.environ, PYTHONIOENCODING="utf-8"), preexec_fn=self._own_terminal,
        )
        os.close(slave)
        self.seen = ""

    @staticmethod
    def _own_terminal() -> None:  # in the child: a new session whose controlling terminal is this one
        import fcntl
        import os
        import termios

        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    def type(self, text: str) -> None:
        self._os.write(self.master, text.encode("utf-8"))

    def expect(self, text: str, timeout: float = PATIENT) -> str:
        """Read (bounded) until ``text`` has appeared on the terminal; return what it showed."""
        import select
        import time

        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.master], [], [], left)[0]:
                raise AssertionError(f"{text!r} no apareció en {timeout} s; la terminal mostró: {self.seen!r}")
            try:
                chunk = self._os.read(self.master, 4096)
            except OSError:  # the program ended and closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"la terminal se cerró sin mostrar {text!r}: {self.seen!r}")
            self.seen += chunk.decode("utf-8", errors="replace")
        return self.seen

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(PATIENT)
        self._os.close(self.master)


@pytest.fixture
def terminal():
    opened: list[Terminal] = []
    yield lambda *args: opened.append(Terminal(*args)) or opened[-1]
    for term in opened:
        term.close()


@posix_only
@pytest.mark.parametrize(("key", "reason"), [("\x03", "Ctrl+C"), ("\x04", "se cerró su entrada estándar")])
def test_in_a_terminal_ctrl_c_or_ctrl_d_stops_the_server(terminal, key, reason):
    term = terminal(str(scripts.path("servidor_echo")))
    term.expect("(Ctrl+C para pararlo)")
    term.type(key)
    term.expect(f"Cerrando servidor... ({reason})")   # read before it ends: a closed pty may drop the rest
    term.expect("Servidor cerrado")
    assert term.proc.wait(PATIENT) == 0


@posix_only
def test_in_a_terminal_the_client_shows_its_prompt_and_talks_to_the_server(servidor, terminal):
    term = terminal("-m", "labsupport.scripts.cliente_interactivo", "--puerto", str(servidor.address[1]))
    term.expect("Escribe mensajes (o 'salir' para terminar):")
    term.expect("> ")
    term.type("hola, ñandú\r")                  # Intro: the terminal sends \r and shows \r\n
    term.expect("Servidor: Echo: hola, ñandú")
    term.type("salir\r")
    term.expect("Conexión cerrada")
    assert term.proc.wait(PATIENT) == 0


@posix_only
def test_with_no_input_at_all_the_server_keeps_serving(tmp_path):
    """`python servidor_echo.py < /dev/null` (or started by a service): end of file at once is not «stop»."""
    out = tmp_path / "salida.txt"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-u", str(scripts.path("servidor_echo"))], stdin=subprocess.DEVNULL, stdout=sink
        )
    try:
        assert settle(lambda: "iniciado en" in out.read_text("utf-8"))
        port = int(out.read_text("utf-8").split("127.0.0.1:")[1].split()[0])
        assert lab.clients.echo_once(("127.0.0.1", port), b"hola\n")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(PATIENT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(PATIENT)
    assert "Cerrando servidor... (SIGTERM)" in out.read_text("utf-8")


@posix_only
def test_if_the_kernel_dies_without_cleaning_up_the_server_still_stops(tmp_path):
    """SIGKILL runs no atexit: the server's input pipe closing is what stops it."""
    kernel = programs.start(script(tmp_path, """
        import threading
        import labsupport as lab
        servidor = lab.programs.start("servidor_echo")
        print("servidor", servidor.pid, flush=True)
        threading.Event().wait()
    """), ready=r"^servidor \d+$")
    server = psutil.Process(int(kernel.ready_line.split()[1]))
    kernel._proc.send_signal(signal.SIGKILL)    # only the "kernel": the server is in a session of its own
    assert kernel.wait(PATIENT) == -signal.SIGKILL
    try:
        server.wait(PATIENT)                     # not our child: psutil waits (bounded) until it is gone,
        assert not server.is_running()           # though it cannot read the exit code of another's child
    finally:
        if server.is_running():                  # the test failed: leave nothing behind all the same
            server.kill()
