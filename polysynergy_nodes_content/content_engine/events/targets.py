"""Which webhook targets a subscription may send events to.

An event carries entry values, so a target is checked like any outbound request a user can
aim: ``http(s)`` only, never a link-local or cloud-metadata address (whatever the host
name resolves to), and loopback or private networks only where a setting allows them
(self-hosted PolySynergy usually runs on a private network). Checked when a subscription
is saved and again before every delivery (a name may resolve elsewhere by then).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from ..errors import InvalidInput

#: Always refused: link-local (where cloud metadata services live), the metadata addresses
#: of the large clouds, and "this host".
_NEVER = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32", "0.0.0.0/8", "::/128",
))
#: Refused unless allowed: loopback, private, shared (carrier NAT) and unique-local ranges.
_PRIVATE = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
))
MAX_URL_LENGTH = 2000


def parse_networks(value) -> tuple:
    """The networks a setting allows: a list or comma-separated CIDRs (``127.0.0.1/32``), or
    ``private`` for every loopback and private range."""
    if value in (None, "", ()):
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if item == "private":
            networks.extend(_PRIVATE)
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise InvalidInput(f"'{item[:60]}' is not a network such as 127.0.0.1/32 or 10.0.0.0/8",
                               field="events_allow_networks") from None
    return tuple(networks)


def check_url(url) -> tuple[str, str, int]:
    """(scheme, host, port) of a well-formed http(s) URL without credentials."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("target url is required (http:// or https://)", field="target.url")
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 33 or ord(c) == 127 for c in url.strip()):
        raise InvalidInput("target url must be one line of at most 2,000 characters without spaces",
                           field="target.url")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(f"target url must start with http:// or https:// (got '{parts.scheme[:20]}:')",
                           field="target.url")
    if parts.username or parts.password:
        raise InvalidInput("target url must not hold a user name or password; the secret signs each event",
                           field="target.url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput("target url has an invalid port", field="target.url") from None
    if not parts.hostname:
        raise InvalidInput("target url has no host", field="target.url")
    return parts.scheme, parts.hostname, port


def check_target(url, allowed_networks=(), resolve=True) -> None:
    """Refuse ``url`` unless every address its host resolves to may be reached."""
    _, host, port = check_url(url)
    if not resolve:
        return
    for address in _addresses(host, port):
        check_address(address, allowed_networks, host)


def check_address(address, allowed_networks, host: str = "") -> None:
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    shown = f"'{host}' ({ip})" if host and host != str(ip) else f"{ip}"
    if any(ip in n for n in _NEVER) or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        raise InvalidInput(f"target {shown} is a link-local, metadata or unspecified address: never allowed",
                           field="target.url")
    if (ip.is_loopback or ip.is_private or any(ip in n for n in _PRIVATE)) and not any(
            ip in n for n in allowed_networks):
        raise InvalidInput(
            f"target {shown} is on a loopback or private network; allow it with the setting "
            "events_allow_networks (environment SECTIONS_EVENTS_ALLOW_NETWORKS, e.g. 10.0.0.0/8 or 'private')",
            field="target.url")


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InvalidInput(f"target host '{host[:100]}' does not resolve ({exc.strerror})", field="target.url") from None
    return sorted({info[4][0] for info in infos})
