"""How Grafana shows who wrote an object: ``createdBy``/``updatedBy`` strings and ``/apis`` annotations.

The store keeps the writer as a typed reference (``user:<uid>`` /
``service-account:<uid>``, "" for none), which is what Grafana 12+ writes into
``grafana.app/createdBy``/``updatedBy`` (apistore prepare.go, id 619988386).
The legacy ``/api`` DTOs turn it into a display string per release and surface
(versions.py documents each rule and its source).  A user is always shown by
its login (``getUserLogin`` / ``getIdentityName`` -> ``GetLogin``); "Anonymous" is
Grafana's ``anonString`` for an identity it does not resolve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .versions import ANONYMOUS, LOGIN

if TYPE_CHECKING:
    from .server import GrafanaEmulator

ANON = "Anonymous"


def shown_name(emu: "GrafanaEmulator", ref: str, surface: str) -> str:
    """The string a legacy DTO shows for the writer ``ref`` on ``surface`` (versions.DASHBOARD/VERSION/FOLDER)."""
    principal = emu.auth.by_ref(ref)
    if principal is None:
        return ANON
    if principal.kind == "user":
        return principal.login
    mode = emu.profile.sa_names[surface]
    if mode == LOGIN:
        return principal.login
    if mode == ANONYMOUS:
        return ANON
    return principal.display_name
