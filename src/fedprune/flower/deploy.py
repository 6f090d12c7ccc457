"""Pieces of a deployed Flower federation: TLS certificates, SuperNode keys, the command lines.

``make_certificates`` writes a self-signed CA and a server certificate for the SuperLink's
address; ``make_node_key`` a SuperNode's ECDSA P-384 key pair in OpenSSH format (what
``ssh-keygen -t ecdsa -b 384`` writes); the ``*_command`` functions return the argument lists of
``flower-superlink`` (TLS, SuperNode authentication, no runtime dependency installation) and
``flower-supernode`` (one client partition each); ``write_connection`` names the SuperLink for
``flwr run`` / ``flwr supernode register`` in ``$FLWR_HOME/config.toml``. ``LocalFederation``
puts them together on one machine (tests, benchmarks): every process it starts leads its own
process group, and ``stop`` ends each group it started.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Certificates:
    """PEM files: the CA certificate clients trust, the server's certificate and key."""

    ca: Path
    cert: Path
    key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(directory: Path, *, host: str = "127.0.0.1", days: int = 7) -> Certificates:
    """A fresh CA and a certificate for ``host`` (an IP address or a DNS name) signed by it."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("fedprune test CA"))
        .issuer_name(_name("fedprune test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    key = ec.generate_private_key(ec.SECP384R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    out = Certificates(
        ca=directory / "ca.crt", cert=directory / "server.pem", key=directory / "server.key"
    )
    out.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    out.key.chmod(0o600)
    return out


def make_node_key(path: Path) -> tuple[Path, Path]:
    """A SuperNode's private key at ``path`` and its public key at ``path.pub`` (OpenSSH)."""
    key = ec.generate_private_key(ec.SECP384R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    public = path.with_name(path.name + ".pub")
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    )
    return path, public


def _tool(name: str) -> str:
    """A Flower console script: the one beside this interpreter, else on ``PATH``."""
    here = Path(sys.executable).with_name(name)
    return str(here) if here.exists() else (shutil.which(name) or name)


def superlink_command(
    *, host: str, port: int, certs: Certificates, auth: bool = True, simulation: bool = False
) -> list[str]:
    """``flower-superlink`` serving on ``host:port`` with TLS and SuperNode auth; with
    ``simulation``, one whose runs execute on Flower's simulation runtime (Ray) instead."""
    cmd = [
        _tool("flower-superlink"),
        "--ssl-ca-certfile", str(certs.ca),
        "--ssl-certfile", str(certs.cert),
        "--ssl-keyfile", str(certs.key),
        "--host", host,
        "--port", str(port),
        "--disable-runtime-dependency-installation",
    ]  # fmt: skip
    if simulation:
        return [*cmd, "--simulation"]
    return [*cmd, "--enable-supernode-auth"] if auth else cmd


def supernode_command(
    *,
    superlink: str,
    ca: Path,
    partition: int,
    port: int,
    private_key: Path | None,
) -> list[str]:
    """``flower-supernode`` serving client ``partition``, its runtime API on ``port``."""
    cmd = [
        _tool("flower-supernode"),
        "--superlink", superlink,
        "--root-certificates", str(ca),
        "--node-config", f"partition-id={partition}",
        "--port", str(port),
    ]  # fmt: skip
    if private_key is not None:
        cmd += ["--auth-supernode-private-key", str(private_key)]
    return cmd


def write_connection(flwr_home: Path, *, name: str, address: str, ca: Path) -> Path:
    """Name the SuperLink at ``address`` (TLS, trusting ``ca``) in ``flwr_home/config.toml``,
    as the default connection of ``flwr run`` and ``flwr supernode``."""
    flwr_home.mkdir(parents=True, exist_ok=True)
    path = flwr_home / "config.toml"
    path.write_text(
        f'[superlink]\ndefault = "{name}"\n\n'
        f'[superlink.{name}]\naddress = "{address}"\nroot-certificates = "{ca}"\n',
        encoding="utf-8",
    )
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class LocalFederation:
    """A SuperLink (TLS, SuperNode auth) and SuperNodes on ``host``, run from ``work``; or,
    with ``simulation``, a SuperLink that runs apps on Flower's Ray simulation runtime.

    Use as a context manager: ``start_superlink`` on entry, ``stop`` on exit, whatever happens.
    Logs go to ``work/NAME.log``; ``FLWR_HOME`` is ``work/home``.
    """

    work: Path
    host: str = "127.0.0.1"
    name: str = "fedprune"
    # a SuperLink that runs apps on Flower's simulation runtime (no SuperNodes to add)
    simulation: bool = False
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        bin_dir = str(Path(sys.executable).parent)  # flower-superexec, flwr-serverapp, ...
        self.env = dict(
            os.environ,
            PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            FLWR_TELEMETRY_ENABLED="0",
            FLWR_HOME=str(self.work / "home"),
        )
        self.certs = make_certificates(self.work / "certs", host=self.host)
        self.port = free_port(self.host)
        self.address = f"{self.host}:{self.port}"
        write_connection(self.work / "home", name=self.name, address=self.address, ca=self.certs.ca)

    def __enter__(self) -> LocalFederation:
        try:
            self.start_superlink()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        """Start ``cmd`` in a new process group, logging to ``work/NAME.log``."""
        with (self.work / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text(errors="replace")

    def flwr(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """``flwr ARGS`` against this federation's SuperLink."""
        return subprocess.run(
            [_tool("flwr"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def start_superlink(self, *, timeout: float = 30) -> None:
        """Start the SuperLink and wait until its Control API answers."""
        proc = self.start("superlink", superlink_command(
            host=self.host, port=self.port, certs=self.certs, simulation=self.simulation
        ))  # fmt: skip
        deadline = time.monotonic() + timeout
        while self.flwr("ls").returncode != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the SuperLink did not start:\n" + self.log("superlink")[-3000:])
            time.sleep(0.5)

    def add_supernode(
        self, partition: int, *, credentials: str = "registered"
    ) -> subprocess.Popen[bytes]:
        """Start a SuperNode serving client ``partition`` with a fresh key: ``registered``
        first, or ``unregistered``, or ``none`` at all (the SuperLink must refuse both)."""
        if credentials not in ("registered", "unregistered", "none"):
            raise ValueError(f"credentials must be registered, unregistered or none: {credentials}")
        private = None
        if credentials != "none":
            private, public = make_node_key(self.work / f"node{partition}-{len(self.started)}")
        if credentials == "registered":
            done = self.flwr("supernode", "register", str(public))
            if done.returncode != 0:
                raise RuntimeError(f"register failed: {done.stdout}{done.stderr}")
        cmd = supernode_command(
            superlink=self.address, ca=self.certs.ca, partition=partition,
            port=free_port(self.host), private_key=private,
        )  # fmt: skip
        return self.start(f"node{partition}-{credentials}", cmd)

    def stop(self) -> None:
        """End every process started here and everything they spawned: Flower detaches its
        SuperExec, ServerApp and ClientApp processes into sessions of their own, so those are
        found by parentage first. SIGTERM, then SIGKILL after 15 s."""
        spawned = _descendants([p.pid for p in self.started])
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for proc in self.started:  # children left behind in a group whose leader exited
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        _end(spawned)
        self.started.clear()


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a live process, from ``/proc`` (None elsewhere, gone or a
    zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    if fields[0] == "Z":  # a zombie has ended; only its parent's wait is missing
        return None
    return int(fields[1]), fields[19]


def _descendants(roots: list[int]) -> dict[int, str]:
    """Every live descendant of ``roots``: pid -> start time (so a reused pid is never hit)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return {}
    parents: dict[int, tuple[int, str]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat
    found: dict[int, str] = {}
    frontier = set(roots)
    while frontier:
        frontier = {
            pid for pid, (ppid, _) in parents.items() if ppid in frontier and pid not in found
        }
        found.update({pid: parents[pid][1] for pid in frontier})
    return found


def _end(processes: dict[int, str], *, grace: float = 10.0) -> None:
    """SIGTERM the processes still alive as recorded (same start time), SIGKILL stragglers."""

    def alive() -> list[int]:
        return [
            pid
            for pid, start in processes.items()
            if (stat := _stat(pid)) is not None and stat[1] == start
        ]

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while alive() and time.monotonic() < deadline:
            time.sleep(0.2)
