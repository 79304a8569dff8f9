"""Certificates for the TLS tests, made at test time: a throw-away certificate authority and server
certificates it signs (by default for 127.0.0.1 and localhost). Made with the `openssl` command line (the
`cryptography` package is not a dependency); EC P-256 keys, so it takes a few milliseconds."""

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost")


def _openssl(*args: str) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        raise RuntimeError("the TLS tests need the openssl command line (apt-get install openssl)")
    done = subprocess.run([binary, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr}")


def _subject_alt_names(hosts: tuple[str, ...]) -> str:
    def entry(host: str) -> str:
        return f"IP:{host}" if host.replace(".", "").isdigit() or ":" in host else f"DNS:{host}"
    return ",".join(entry(host) for host in hosts)


@dataclass(frozen=True)
class ServerCertificate:
    cert: Path  # PEM: the server's certificate
    key: Path  # PEM: its private key (unencrypted)
    hosts: tuple[str, ...]

    def server_context(self) -> ssl.SSLContext:
        """For a server presenting this certificate (aiosmtpd's tls_context or ssl_context)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA that exists only for one test session."""

    directory: Path
    cert: Path
    key: Path

    @classmethod
    def create(cls, directory: Path, name: str = "Helpline Test CA") -> "CertificateAuthority":
        directory.mkdir(parents=True, exist_ok=True)
        cert, key = directory / "ca.pem", directory / "ca.key"
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return cls(directory, cert, key)

    def issue(self, name: str, hosts: tuple[str, ...] = LOOPBACK) -> ServerCertificate:
        """A server certificate for `hosts` (IP addresses and DNS names), signed by this CA."""
        key, request, cert = (self.directory / f"{name}.{ext}" for ext in ("key", "csr", "pem"))
        extensions = self.directory / f"{name}.ext"
        extensions.write_text(
            f"subjectAltName={_subject_alt_names(hosts)}\n"
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n")
        _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", str(key), "-out", str(request), "-subj", f"/CN={hosts[0]}")
        _openssl("x509", "-req", "-in", str(request), "-CA", str(self.cert), "-CAkey", str(self.key),
                 "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(extensions))
        return ServerCertificate(cert, key, hosts)

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting this CA only, with the usual checks (hostname, expiry)."""
        return ssl.create_default_context(cafile=str(self.cert))
