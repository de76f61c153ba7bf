"""A Python iii worker for the cross-language tests (test/python/*.test.ts).

Run as ``python peer.py --url ws://127.0.0.1:PORT --prefix py-1 --name py-worker-1``. It joins the
engine with the official ``iii-sdk`` (``register_worker``), registers the functions below under
``<prefix>::`` and the trigger type ``<prefix>-ticker``, then prints one JSON line on stdout:
``{"event": "ready", "worker_id": ..., "sdk": <iii-sdk version>, "pid": ...}``. Everything else
it says goes to stderr. The tests drive it through its functions only, so every cross-language
path goes through the engine and the SDK's public API, as in production.

The functions that act (``call``, ``bind``, ``fire``, the channel ones, ``log``) do what the test
asks and report what Python saw, errors included, as plain JSON: the TypeScript side then
asserts on Python's view (exception class, ``code``, ``message``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.metadata
import json
import os
import random
import sys
import threading
import time
from typing import Any

from pydantic import BaseModel

import iii
from iii import InitOptions, TriggerAction, register_worker
from iii.helpers import create_channel_async
from iii.triggers import TriggerConfig, TriggerHandler
# iii-sdk 0.23 to 0.25 do not export Logger from `iii` (the seed's surface lists it there); it
# lives in iii_helpers, which iii-sdk depends on.
from iii_helpers.observability import Logger, ReconnectionConfig


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def describe_error(e: BaseException) -> dict[str, Any]:
    """What a Python caller sees of a failed call."""
    out: dict[str, Any] = {"type": type(e).__name__, "str": str(e)}
    for attr in ("code", "message", "function_id", "stacktrace", "invocation_id"):
        value = getattr(e, attr, None)
        if value is not None:
            out[attr] = value
    return out


def action_of(spec: Any) -> Any:
    if spec is None:
        return None
    if spec.get("type") == "void":
        return TriggerAction.Void()
    if spec.get("type") == "enqueue":
        return TriggerAction.Enqueue(queue=spec["queue"])
    raise ValueError(f"unknown action {spec!r}")


def request_of(data: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"function_id": data["function_id"], "payload": data.get("payload")}
    if data.get("action") is not None:
        request["action"] = action_of(data["action"])
    for key in ("timeout_ms", "metadata", "namespace"):
        if data.get(key) is not None:
            request[key] = data[key]
    return request


def pseudo_random_bytes(seed: int, size: int, chunk: int):
    rng = random.Random(seed)
    left = size
    while left > 0:
        n = min(chunk, left)
        yield rng.randbytes(n)
        left -= n


class Order(BaseModel):
    item: str
    qty: int


class Ticker(TriggerHandler[Any]):
    """The ``<prefix>-ticker`` trigger type: remembers its bindings; ``fire`` invokes them."""

    def __init__(self) -> None:
        self.bindings: dict[str, TriggerConfig[Any]] = {}
        self.unregistered: list[str] = []

    async def register_trigger(self, config: TriggerConfig[Any]) -> None:
        refuse = config.config.get("refuse") if isinstance(config.config, dict) else None
        if refuse:
            raise ValueError(refuse)
        self.bindings[config.id] = config

    async def unregister_trigger(self, config: TriggerConfig[Any]) -> None:
        self.bindings.pop(config.id, None)
        self.unregistered.append(config.id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--timeout-ms", type=int, default=10_000)
    args = parser.parse_args()
    p = args.prefix

    client = register_worker(
        args.url,
        InitOptions(
            worker_name=args.name,
            worker_description="cross-language test peer (Python)",
            invocation_timeout_ms=args.timeout_ms,
            # Tests that drop its socket wait for it to come back: keep that short.
            reconnection_config=ReconnectionConfig(initial_delay_ms=100, max_delay_ms=1000),
        ),
    )

    recorded: list[Any] = []
    recorded_lock = threading.Lock()
    triggers: dict[str, Any] = {}
    ticker = Ticker()

    # ---------------------------------------------------------------- served to the other side

    async def echo(data: Any) -> Any:
        if isinstance(data, dict):
            caller = data.pop("_caller_worker_id", None)
            return {"echo": data, "caller": caller, "runtime": "python"}
        return {"echo": data, "runtime": "python"}

    def echo_sync(data: Any) -> Any:  # a sync handler: the SDK runs it on a thread of its own
        data = dict(data or {})
        data.pop("_caller_worker_id", None)
        return {"echo": data, "thread": threading.current_thread().name != "MainThread"}

    async def fail(data: Any) -> Any:
        raise ValueError(data.get("message", "python handler failed"))

    async def fail_custom(data: Any) -> Any:
        raise iii.InvocationError(code=data["code"], message=data["message"])

    async def sleep(data: Any) -> Any:
        await asyncio.sleep(data["ms"] / 1000)
        return {"slept": data["ms"]}

    async def record(data: Any) -> Any:
        with recorded_lock:
            recorded.append(data)
        return None

    async def recorded_list(data: Any) -> Any:
        tag = data.get("tag")
        with recorded_lock:
            return [r for r in recorded if isinstance(r, dict) and r.get("tag") == tag]

    async def nan(data: Any) -> Any:
        return {"value": float("nan")}

    async def raw_bytes(data: Any) -> Any:
        return b"\x00\x01 not JSON"

    async def typed_order(data: Any) -> Any:
        data = dict(data)
        data.pop("_caller_worker_id", None)
        order = Order.model_validate(data)
        return {"item": order.item, "qty": order.qty}

    async def big_result(data: Any) -> Any:
        return {"text": "x" * data["chars"]}

    # ---------------------------------------------------------------- Python acting as a caller

    def remember(data: Any, outcome: dict[str, Any]) -> dict[str, Any]:
        """With ``record_as``, the outcome is also kept for ``recorded``: for calls whose own
        reply cannot come back (the socket it would travel on is gone)."""
        if data.get("record_as") is not None:
            with recorded_lock:
                recorded.append({"tag": data["record_as"], "outcome": outcome})
        return outcome

    def call(data: Any) -> Any:
        """Calls with the blocking ``trigger`` (what the seed calls the synchronous entry point)."""
        try:
            return remember(data, {"ok": True, "result": client.trigger(request_of(data))})
        except Exception as e:  # noqa: BLE001 - the test wants to see every failure
            return remember(data, {"ok": False, "error": describe_error(e)})

    async def call_async(data: Any) -> Any:
        try:
            return remember(data, {"ok": True, "result": await client.trigger_async(request_of(data))})
        except Exception as e:  # noqa: BLE001
            return remember(data, {"ok": False, "error": describe_error(e)})

    async def bind(data: Any) -> Any:
        trigger = client.register_trigger(
            {"type": data["type"], "function_id": data["function_id"], "config": data.get("config"), "metadata": data.get("metadata")}
        )
        triggers[data["key"]] = trigger
        return {"key": data["key"]}

    async def unbind(data: Any) -> Any:
        triggers.pop(data["key"]).unregister()
        return {"key": data["key"]}

    async def on_tick(data: Any, metadata: Any = None) -> Any:
        data = dict(data or {})
        data.pop("_caller_worker_id", None)
        with recorded_lock:
            recorded.append({"tag": data.get("tag"), "tick": data, "metadata": metadata})
        return {"seen_by": "python"}

    async def ticker_bindings(data: Any) -> Any:
        return {
            "bindings": [
                {"id": b.id, "function_id": b.function_id, "config": b.config, "metadata": b.metadata}
                for b in ticker.bindings.values()
            ],
            "unregistered": ticker.unregistered,
        }

    async def fire(data: Any) -> Any:
        """Fires every binding of the ticker the way a provider does: it calls the bound function."""
        results = []
        for b in list(ticker.bindings.values()):
            request: dict[str, Any] = {
                "function_id": b.function_id,
                "payload": {"tag": data.get("tag"), "config": b.config, "from": "python-ticker"},
            }
            if b.metadata is not None:
                request["metadata"] = b.metadata
            try:
                results.append({"ok": True, "result": await client.trigger_async(request)})
            except Exception as e:  # noqa: BLE001
                results.append({"ok": False, "error": describe_error(e)})
        return {"results": results}

    async def add_type(data: Any) -> Any:
        client.register_trigger_type({"id": data["id"], "description": data.get("description", "added on request")}, Ticker())
        return {"id": data["id"]}

    async def drop_type(data: Any) -> Any:
        client.unregister_trigger_type({"id": data["id"]})
        return {"id": data["id"]}

    async def channel_read(data: Any) -> Any:
        reader = data["input"]
        messages: list[str] = []
        reader.on_message(messages.append)
        digest = hashlib.sha256()
        size = 0
        async for chunk in reader:
            digest.update(chunk)
            size += len(chunk)
        return {"sha256": digest.hexdigest(), "bytes": size, "messages": messages, "reader": type(reader).__name__}

    async def channel_write(data: Any) -> Any:
        writer = data["output"]
        digest = hashlib.sha256()
        for message in data.get("messages", []):
            await writer.send_message_async(message)
        for chunk in pseudo_random_bytes(data.get("seed", 1), data["bytes"], data.get("chunk", 1 << 20)):
            digest.update(chunk)
            await writer.write(chunk)
        for message in data.get("after", []):
            await writer.send_message_async(message)
        await writer.close_async()
        return {"sha256": digest.hexdigest(), "bytes": data["bytes"], "writer": type(writer).__name__}

    async def channel_to_other(data: Any) -> Any:
        """Python creates a channel, hands the reader's ref to ``function_id`` and writes into it."""
        channel = await create_channel_async(client, data.get("buffer_size"))
        call = asyncio.ensure_future(
            client.trigger_async({"function_id": data["function_id"], "payload": {"input": channel.reader_ref.model_dump()}})
        )
        digest = hashlib.sha256()
        for message in data.get("messages", []):
            await channel.writer.send_message_async(message)
        for chunk in pseudo_random_bytes(data.get("seed", 2), data["bytes"], 1 << 20):
            digest.update(chunk)
            await channel.writer.write(chunk)
        await channel.writer.close_async()
        try:
            result = await call
        except Exception as e:  # noqa: BLE001
            return {"ok": False, "error": describe_error(e), "sha256": digest.hexdigest()}
        return {"ok": True, "sha256": digest.hexdigest(), "bytes": data["bytes"], "result": result}

    async def channel_from_other(data: Any) -> Any:
        """Python creates a channel, hands the writer's ref to ``function_id`` and reads from it."""
        channel = await create_channel_async(client, data.get("buffer_size"))
        call = asyncio.ensure_future(
            client.trigger_async({"function_id": data["function_id"], "payload": {"output": channel.writer_ref.model_dump(), **data.get("payload", {})}})
        )
        messages: list[str] = []
        channel.reader.on_message(messages.append)
        digest = hashlib.sha256()
        size = 0
        async for chunk in channel.reader:
            digest.update(chunk)
            size += len(chunk)
        try:
            result = await call
        except Exception as e:  # noqa: BLE001
            return {"ok": False, "error": describe_error(e)}
        return {"ok": True, "sha256": digest.hexdigest(), "bytes": size, "messages": messages, "result": result}

    async def log(data: Any) -> Any:
        logger = Logger(service_name=data.get("service_name"))
        for entry in data["entries"]:
            getattr(logger, entry["level"])(entry["message"], entry.get("data"))
        return {"logged": len(data["entries"])}

    async def observe(data: Any) -> Any:
        """iii-sdk >= 0.25 only: ``iii.observe(source, target)``, then its state after ``ready``."""
        if not hasattr(client, "observe"):
            return {"supported": False}
        handle = client.observe({"function_id": data["source"]}, data["target"])
        try:
            await asyncio.wait_for(handle.ready_async(), data.get("wait_ms", 2000) / 1000)
            outcome: dict[str, Any] = {"ready": True}
        except asyncio.TimeoutError:
            outcome = {"ready": False, "timed_out": True}
        except Exception as e:  # noqa: BLE001 - ObserveRejection
            outcome = {"ready": False, "error": describe_error(e)}
        state = {"supported": True, "id": handle.id, "state": handle.state, "reason": handle.reason, **outcome}
        handle.dispose()
        return state

    # ---------------------------------------------------------------- registration

    served = {
        "echo": echo,
        "echo_sync": echo_sync,
        "fail": fail,
        "fail_custom": fail_custom,
        "sleep": sleep,
        "record": record,
        "recorded": recorded_list,
        "nan": nan,
        "bytes": raw_bytes,
        "typed_order": typed_order,
        "big_result": big_result,
        "call": call,
        "call_async": call_async,
        "bind": bind,
        "unbind": unbind,
        "on_tick": on_tick,
        "ticker_bindings": ticker_bindings,
        "fire": fire,
        "add_type": add_type,
        "drop_type": drop_type,
        "channel_read": channel_read,
        "channel_write": channel_write,
        "channel_to_other": channel_to_other,
        "channel_from_other": channel_from_other,
        "log": log,
        "observe": observe,
    }
    for name, handler in served.items():
        client.register_function(f"{p}::{name}", handler, description=f"cross-language peer: {name}")
    client.register_trigger_type({"id": f"{p}-ticker", "description": "ticks on request (cross-language tests)"}, ticker)

    # register_worker returns once the socket is open; the id comes with the engine's first frame.
    deadline = time.monotonic() + 10
    while client.worker_id is None and time.monotonic() < deadline:
        time.sleep(0.01)
    emit(
        {
            "event": "ready",
            "worker_id": client.worker_id,
            "sdk": importlib.metadata.version("iii-sdk"),
            "python": sys.version.split()[0],
            "pid": os.getpid(),
            "functions": [f"{p}::{name}" for name in served],
        }
    )
    # The SDK runs on its own (non-daemon) loop thread, which would outlive a test process that
    # died without killing this one: the test holds our stdin open, so its end means exit.
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
