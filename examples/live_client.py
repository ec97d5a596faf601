#!/usr/bin/env python3
"""A Nightjar live-feed client (docs/live.md) in Python with the `websockets` package.

Subscribes to your matches (or a public filter, or -- administrators -- the enriched stream),
prints each alert as a JSON line, and reconnects after a drop with the last cursor it received,
so nothing is missed or repeated.

    pip install websockets
    NIGHTJAR_TOKEN=nj_... python examples/live_client.py --fields alertId,objectId,mag

The token is sent as subprotocol (`nightjar.token.<token>` next to `nightjar.v1`), which is
what a browser must do; `additional_headers={"Authorization": f"Bearer {token}"}` works too.
"""
import argparse
import asyncio
import json
import os
import random
import sys

import websockets

FATAL = {4003, 1008}  # token revoked/expired, policy: reconnecting will not help


async def run(args: argparse.Namespace) -> int:
    token = os.environ.get("NIGHTJAR_TOKEN", "")
    if not token:
        print("set NIGHTJAR_TOKEN to an API token (nj_...)", file=sys.stderr)
        return 2
    cursor = args.cursor
    received = 0
    attempt = 0
    while True:
        try:
            async with websockets.connect(args.url, subprotocols=["nightjar.v1", f"nightjar.token.{token}"], max_size=32 * 1024 * 1024) as ws:
                attempt = 0
                request = {"type": "subscribe", "id": "feed", "stream": args.stream}
                if args.filter:
                    request["filter"] = args.filter
                if args.fields:
                    request["fields"] = args.fields.split(",")
                if cursor:
                    request["cursor"] = cursor
                await ws.send(json.dumps(request))
                async for raw in ws:
                    frame = json.loads(raw)
                    if frame["type"] == "alert":
                        cursor = frame["cursor"]  # where a reconnect resumes
                        print(json.dumps({"filter": frame.get("filter"), "matchedAt": frame.get("matchedAt"), "data": frame["data"]}), flush=True)
                        received += 1
                        if args.max and received >= args.max:
                            return 0
                    elif frame["type"] == "subscribed":
                        cursor = cursor or frame["cursor"]
                    elif frame["type"] == "notice":
                        print(f"notice {frame['code']}: {frame['message']}", file=sys.stderr)
                    elif frame["type"] == "error":
                        print(f"error {frame['error']['code']}: {frame['error']['message']}", file=sys.stderr)
                        if frame["error"]["code"] != "LIVE_CONNECTION_LIMIT":
                            return 1
        except websockets.exceptions.InvalidStatus as refused:  # 400 missing / 403 invalid token
            print(f"connection refused: HTTP {refused.response.status_code}", file=sys.stderr)
            return 1
        except websockets.exceptions.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 1006
            if code in FATAL:
                print(f"closed {code}: {closed.rcvd.reason if closed.rcvd else ''}", file=sys.stderr)
                return 1
        except OSError as err:
            print(f"cannot connect: {err}", file=sys.stderr)
        # 4008 slow consumer, 1001 restart, network trouble: back off, then resume from the cursor.
        delay = min(30.0, 0.5 * 2 ** attempt) * random.uniform(0.5, 1.0)
        attempt += 1
        print(f"reconnecting in {delay:.1f} s", file=sys.stderr)
        await asyncio.sleep(delay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("NIGHTJAR_LIVE_URL", "ws://127.0.0.1:8080/api/v1/live"))
    parser.add_argument("--stream", default="matches", choices=["matches", "filter", "enriched"])
    parser.add_argument("--filter", help="filter id (stream=filter)")
    parser.add_argument("--fields", help="comma-separated dotted paths, e.g. alertId,objectId,mag")
    parser.add_argument("--cursor", help="resume from a cursor saved earlier")
    parser.add_argument("--max", type=int, default=0, help="stop after this many alerts (0: run until interrupted)")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
