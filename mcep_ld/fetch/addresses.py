"""Which network addresses the hub may be sent to by what it reads (a query's SERVICE, a source's redirect).

An address taken from a request or from a source's answer is hostile until checked: a public endpoint that
can be made to call 127.0.0.1 or 169.254.169.254 serves whoever asks the internals of the machine it runs
on. Only global unicast addresses pass; the name is resolved here and every address it has must pass.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def address_problem(address: str) -> str | None:
    """Why *address* (an IPv4 or IPv6 literal) may not be called, or None when it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for what, test in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("private", ip.is_private), ("multicast", ip.is_multicast),
                       ("unspecified", ip.is_unspecified), ("reserved", ip.is_reserved)):
        if test:
            return f"{address} is a {what} address"
    if not ip.is_global:
        return f"{address} is not a public address"
    return None


def public_address_problem(url: str) -> str | None:
    """Why *url* may not be called, or None: an http(s) URL whose host resolves to public addresses only."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"only http and https URLs may be called, not {parts.scheme or 'a relative one'}"
    host = parts.hostname
    if not host:
        return "the URL names no host"
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError) as exc:
        return f"{host} cannot be resolved ({exc})"
    for info in infos:
        if problem := address_problem(str(info[4][0])):
            return f"{host}: {problem}"
    return None
