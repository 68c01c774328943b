"""An independent WebRTC peer for the interop tests: aiortc (neither Chromium
nor GStreamer) in a lancall room, speaking the seed protocol or lancall's
version 1 (docs/protocol.md), sending a moving test pattern and counting the
frames it decodes from each remote peer.

It reports on stdout as JSON lines, one object each, for the Node tests
(tests/e2e/interop-*.test.js) to await:

  {"event": "joined", "peer_id": "…" | null}
  {"event": "offer", "to": "…"}  /  {"event": "answer", "to": "…"}
  {"event": "state", "peer": "…", "state": "connected"}
  {"event": "frames", "peer": "…", "decoded": 42, "distinct": 40, "width": 640, "height": 480}
  {"event": "error", "message": "…"}
  {"event": "channel", "peer": "…", "open": true}   (with --chat-bytes)
  {"event": "sent", "peer": "…", "bytes": 1048576}   (with --chat-bytes)

Who offers (--offer):
  join   the lancall and seed rule: offer to a member when the host says it
         joined (a newcomer waits for offers); answer every offer that comes.
  always also offer, as a newcomer, to every member already in the room, so
         both sides may offer at once (glare).
  never  only answer.

With --protocol seed it sends only what the seed page sends and reads only
what the seed page reads (`join` count, offer/answer/candidate, exit_room):
no version, no `to`, no welcome, no `from` (a seed room has two people).
With --protocol v1 it joins with version 1, keeps one connection per peer id
and resolves glare as perfect negotiation does (polite: the greater id).

With --chat-bytes N it is a hostile peer of the data channel: it opens
lancall's `lancall` channel when it offers (and takes the other's when it
answers), says hello, and then sends a chat message whose text is N
characters, ignoring the size the other side's SDP allows
(`a=max-message-size`), followed by a short chat message ("after the big
one") that shows whether the channel still carries anything.
"""

import argparse
import asyncio
import fractions
import hashlib
import logging
import json
import sys
import time

import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.sdp import candidate_from_sdp
from av import VideoFrame

WIDTH, HEIGHT, FPS = 320, 240, 15


def say(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


class Pattern(VideoStreamTrack):
    """A bright bar sweeping across a grey field, so every frame differs."""

    def __init__(self):
        super().__init__()
        self.n = 0
        self.chroma = bytes([128]) * (WIDTH * HEIGHT // 4)

    async def recv(self):
        # VideoStreamTrack.next_timestamp paces us at 30 fps; we want 15.
        pts, _ = await self.next_timestamp()
        if self.n % 2:
            await asyncio.sleep(1 / 30)
        x = (self.n * 8) % WIDTH
        self.n += 1
        row = bytearray([96]) * WIDTH
        row[x:x + 24] = bytes([235]) * len(row[x:x + 24])
        frame = VideoFrame(WIDTH, HEIGHT, "yuv420p")
        frame.planes[0].update(bytes(row) * HEIGHT)
        frame.planes[1].update(self.chroma)
        frame.planes[2].update(self.chroma)
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


class Remote:
    """One connection to one other member."""

    def __init__(self, peer, key, polite):
        self.peer = peer
        self.channel = None
        self.key = key
        self.polite = polite
        self.pc = None
        self.pending = []
        self.decoded = 0
        self.distinct = set()
        self.new_pc()

    def new_pc(self):
        if self.pc:
            asyncio.ensure_future(self.pc.close())
        pc = RTCPeerConnection()
        self.pc = pc
        self.pending = []
        pc.addTrack(Pattern())

        @pc.on("connectionstatechange")
        def _state():
            if pc is self.pc:
                say("state", peer=self.key, state=pc.connectionState)

        @pc.on("track")
        def _track(track):
            if track.kind == "video":
                asyncio.ensure_future(self.count(pc, track))

        @pc.on("datachannel")
        def _channel(channel):
            if pc is self.pc and channel.label == "lancall" and self.peer.args.chat_bytes:
                self.bind(channel)

    def bind(self, channel):
        """Watch the `lancall` channel; once open, send the big message."""
        self.channel = channel

        async def big():
            await asyncio.sleep(2)  # hello seen, tiles up
            text = "x" * self.peer.args.chat_bytes
            # Past what the other side allows: aiortc checks, a hostile peer does not.
            channel.transport._remote_max_message_size = 0
            try:
                channel.send(json.dumps({"t": "chat", "id": "big-1", "text": text, "ts": 0}))
                say("sent", peer=self.key, bytes=len(text))
                await asyncio.sleep(2)
                channel.send(json.dumps({"t": "chat", "id": "after-1", "text": "after the big one", "ts": 0}))
            except Exception as e:
                say("error", message=f"send: {type(e).__name__}: {e}")

        def opened():
            say("channel", peer=self.key, open=True)
            channel.send(json.dumps({"t": "hello", "name": self.peer.args.name, "mic": True, "cam": True}))
            asyncio.ensure_future(big())

        channel.on("open", opened)
        channel.on("close", lambda: say("channel", peer=self.key, open=False))
        if channel.readyState == "open":
            opened()

    async def count(self, pc, track):
        last = 0.0
        while True:
            try:
                frame = await track.recv()
            except Exception:  # the track ended with its connection
                return
            if pc is not self.pc:
                return
            self.decoded += 1
            # A small picture of the frame: different content, different hash.
            small = frame.reformat(width=16, height=12, format="gray")
            self.distinct.add(hashlib.sha1(bytes(small.planes[0])).hexdigest())
            now = time.monotonic()
            if now - last > 0.25:
                last = now
                say("frames", peer=self.key, decoded=self.decoded, distinct=len(self.distinct),
                    width=frame.width, height=frame.height)

    async def offer(self):
        pc = self.pc
        if self.peer.args.chat_bytes and self.channel is None:
            self.bind(pc.createDataChannel("lancall"))
        await pc.setLocalDescription(await pc.createOffer())
        if pc is self.pc:
            # aiortc gathers before it returns, so the offer carries every candidate.
            await self.peer.relay("offer_sdp", description(pc), self.key)
            say("offer", to=self.key)

    async def on_offer(self, value):
        if self.pc.signalingState == "have-local-offer":
            if not self.polite:
                return  # glare, impolite: ours wins; theirs is dropped
            # aiortc cannot roll back: a new connection answers instead.
            self.new_pc()
        pc = self.pc
        await pc.setRemoteDescription(RTCSessionDescription(value["sdp"], value["type"]))
        for c in self.pending:
            await add_candidate(pc, c)
        self.pending = []
        await pc.setLocalDescription(await pc.createAnswer())
        await self.peer.relay("answer_sdp", description(pc), self.key)
        say("answer", to=self.key)

    async def on_answer(self, value):
        if self.pc.signalingState != "have-local-offer":
            return  # an answer to an offer we dropped in glare
        await self.pc.setRemoteDescription(RTCSessionDescription(value["sdp"], value["type"]))
        for c in self.pending:
            await add_candidate(self.pc, c)
        self.pending = []

    async def on_candidate(self, value):
        if self.pc.remoteDescription is None:
            self.pending.append(value)
        else:
            await add_candidate(self.pc, value)


def description(pc):
    return {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}


async def add_candidate(pc, value):
    text = (value or {}).get("candidate") or ""
    if not text:
        return
    c = candidate_from_sdp(text.split(":", 1)[1])
    c.sdpMid = value.get("sdpMid")
    c.sdpMLineIndex = value.get("sdpMLineIndex")
    try:
        await pc.addIceCandidate(c)
    except Exception as e:  # a candidate for a section aiortc does not have
        say("error", message=f"candidate refused: {e}")


class Peer:
    def __init__(self, args, ws):
        self.args = args
        self.ws = ws
        self.seed = args.protocol == "seed"
        self.my_id = None
        self.remotes = {}

    async def send(self, event, data):
        await self.ws.send(json.dumps({"event": event, "data": data}))

    async def relay(self, event, value, key):
        data = {"room_id": self.args.room, "value": value}
        if not self.seed:
            data["to"] = key
        await self.send(event, data)

    def remote(self, key):
        r = self.remotes.get(key)
        if r is None:
            # Seed: no ids, so it yields in glare, as the seed page does (it
            # answers any offer; its browser rolls its own back).
            polite = True if self.seed else (self.my_id or "") > key
            r = Remote(self, key, polite)
            self.remotes[key] = r
        return r

    async def run(self):
        join = {"user_id": self.args.name, "room_id": self.args.room}
        if not self.seed:
            join["version"] = 1
        await self.send("join", join)
        if self.seed:
            say("joined", peer_id=None)
            if self.args.offer == "always":
                # A seed newcomer hears of nobody: it offers to whoever is there.
                await self.remote("seed").offer()
        async for text in self.ws:
            msg = json.loads(text)
            if self.args.verbose:
                print(f"<< {text}", file=sys.stderr, flush=True)
            if msg == "ping":
                await self.ws.send(json.dumps("pong"))
                continue
            if not isinstance(msg, dict):
                continue
            try:
                await self.handle(msg.get("event"), msg.get("data") or {})
            except Exception as e:
                say("error", message=f"{msg.get('event')}: {type(e).__name__}: {e}")

    async def handle(self, event, data):
        key = "seed" if self.seed else data.get("from")
        if event == "welcome" and not self.seed:
            self.my_id = data["peer_id"]
            say("joined", peer_id=self.my_id)
            if self.args.offer == "always":
                for m in data.get("members", []):
                    await self.remote(m["peer_id"]).offer()
        elif event == "join":
            if self.seed and data.get("count", 0) > 1 and self.args.offer != "never":
                await self.remote(key).offer()
            elif not self.seed and self.args.offer != "never" and data.get("peer_id"):
                await self.remote(data["peer_id"]).offer()
        elif event == "offer_sdp" and key:
            await self.remote(key).on_offer(data["value"])
        elif event == "answer_sdp" and key in self.remotes:
            await self.remotes[key].on_answer(data["value"])
        elif event == "candidate" and key:
            await self.remote(key).on_candidate(data["value"])
        elif event == "exit_room":
            r = self.remotes.pop("seed" if self.seed else data.get("peer_id"), None)
            if r:
                await r.pc.close()
        elif event == "error":
            say("error", message=f"host: {data.get('code')}: {data.get('message')}")


async def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ws", required=True, help="the host's signaling URL, ws://…/ws")
    p.add_argument("--room", required=True)
    p.add_argument("--name", default="aiortc")
    p.add_argument("--protocol", choices=["seed", "v1"], default="v1")
    p.add_argument("--offer", choices=["join", "always", "never"], default="join")
    p.add_argument("--chat-bytes", type=int, default=0,
                   help="open the data channel and send a chat message this long (see above)")
    p.add_argument("--verbose", action="store_true", help="aiortc's own log and every SDP on stderr")
    args = p.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    async with websockets.connect(args.ws, max_size=None) as ws:
        peer = Peer(args, ws)
        reader = asyncio.ensure_future(peer.run())
        # The test ends us by closing stdin (or by a signal).
        stdin_closed = asyncio.ensure_future(asyncio.get_running_loop().run_in_executor(None, sys.stdin.read))
        await asyncio.wait([reader, stdin_closed], return_when=asyncio.FIRST_COMPLETED)
        for r in peer.remotes.values():
            await r.pc.close()


if __name__ == "__main__":
    asyncio.run(main())
