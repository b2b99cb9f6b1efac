"""``python -m tests.grafana_emulator --port PORT --token TOKEN``: serve until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import EmulatorConfig, GrafanaEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.grafana_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = ephemeral)")
    parser.add_argument("--token", default=None, help="service-account token to accept (default: random)")
    parser.add_argument("--grafana-version", default=EmulatorConfig.version)
    parser.add_argument("--no-validate", action="store_true", help="skip OpenAPI request validation")
    args = parser.parse_args(argv)

    config = EmulatorConfig(version=args.grafana_version, validate_bodies=not args.no_validate)
    emulator = GrafanaEmulator(port=args.port, token=args.token, config=config).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"listening {emulator.url}", flush=True)
    if args.token is None:
        print(f"token {emulator.token}", flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
