"""``python -m tests.grafana_emulator --port PORT --token TOKEN``: serve until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import EmulatorConfig, GrafanaEmulator
from .versions import ALIASES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.grafana_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = ephemeral)")
    parser.add_argument("--token", default=None, help="service-account token to accept (default: random)")
    parser.add_argument("--grafana-version", default=None, choices=sorted(ALIASES),
                        help="model this Grafana release (11.6, 12.x, 13.x); default: the legacy emulator")
    parser.add_argument("--build-version", default=None, help="version string /api/health answers")
    parser.add_argument("--no-validate", action="store_true", help="skip OpenAPI request validation")
    args = parser.parse_args(argv)

    config = EmulatorConfig(grafana_version=args.grafana_version, validate_bodies=not args.no_validate)
    if args.build_version:
        config.version = args.build_version
    emulator = GrafanaEmulator(port=args.port, token=args.token, config=config).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"listening {emulator.url}", flush=True)
    if args.token is None:
        print(f"token {emulator.token}", flush=True)
    print(f"grafana {emulator.profile.key} service-account login {emulator.sa_login}", flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
