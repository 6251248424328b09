"""Run the sandbox for development: ``python -m website.mollie_sandbox --port 5001``.

Then point the site at it (``Client(api_endpoint="http://127.0.0.1:5001")``, any
``test_…`` key). Refuses to start when ``APP_ENV=production``: a sandbox that says "paid"
must never be mistaken for Mollie.
"""

from __future__ import annotations

import argparse
import os
import sys

from werkzeug.serving import run_simple


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m website.mollie_sandbox", description="A local Mollie API sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument(
        "--time-scale",
        type=float,
        default=60.0,
        help="Mollie seconds per real second for webhook retries (default 60: 1 min = 1 s)",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="address browsers use for the checkout (default: the address the API is called on)",
    )
    parser.add_argument("--webhook-timeout", type=float, default=15.0, help="seconds (default 15)")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help="a key the sandbox account has (repeatable; default: the site's development key)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("APP_ENV") == "production":
        print("The Mollie sandbox refuses to run with APP_ENV=production.", file=sys.stderr)
        return 2
    args = parse_args(argv)
    from website.mollie_sandbox.app import create_sandbox_app  # after the production check
    from website.mollie_sandbox.keys import DEVELOPMENT_KEY

    app = create_sandbox_app(
        public_url=args.public_url,
        time_scale=args.time_scale,
        webhook_timeout=args.webhook_timeout,
        api_keys=args.api_keys or (DEVELOPMENT_KEY,),
    )
    try:
        run_simple(args.host, args.port, app, threaded=True)
    finally:
        app.extensions["mollie_sandbox"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
