"""The address the service listens on: claimed before any work, so that a taken port is said at once, with
its own exit code, and not after a demo's harvests (nor as the "store held" code)."""

from __future__ import annotations

import socket

from mcep_ld.errors import MCEPError


class PortInUse(MCEPError, OSError):
    """The service cannot listen on its address: another process holds the port, or the host is not ours."""


def check_address(host: str, port: int) -> None:
    """PortInUse when the service could not listen on *host*:*port* now (bound the way uvicorn binds it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise PortInUse(f"port {port} on {host} is in use ({exc.strerror}): stop what holds it, or choose "
                            "another with --port (or http_port)") from None
