#!/usr/bin/env python3
"""Helpers for boot-check.sh; standard library only.

  qemu-helper.py qmp SOCKET COMMAND [JSON-ARGUMENTS] [--timeout S]
      Send one QMP command, print its "return" as JSON; exit 1 on error.
  qemu-helper.py keys SOCKET KEY[-KEY...]
      QMP send-key, e.g. ctrl-alt-f2 (key names as in QEMU's QKeyCode).
  qemu-helper.py ppm2png IN.ppm OUT.png
      Convert a screendump to PNG and print: WIDTHxHEIGHT colours=N dominant=F
      (F = share of the most common colour, 0..1).
"""
import json
import socket
import struct
import sys
import time
import zlib
from collections import Counter


def qmp(sock_path, command, arguments=None, timeout=10.0):
    deadline = time.monotonic() + timeout
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    buf = b""

    def read_msg():
        nonlocal buf
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    return json.loads(line)
            if time.monotonic() > deadline:
                raise TimeoutError("QMP: no answer in time")
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("QMP: connection closed")
            buf += chunk

    def call(cmd, args=None):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            m = read_msg()
            if "return" in m:
                return m["return"]
            if "error" in m:
                raise RuntimeError("QMP %s: %s" % (cmd, m["error"].get("desc", m["error"])))
            # events ({"event": ...}) are skipped

    read_msg()  # greeting
    call("qmp_capabilities")
    try:
        return call(command, arguments)
    finally:
        s.close()


def png_chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def ppm2png(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    # P6 header: magic, width, height, maxval, each separated by whitespace
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1  # the single whitespace after maxval
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("not an 8-bit P6 PPM")
    w, h = int(fields[1]), int(fields[2])
    pix = data[pos:pos + w * h * 3]
    stride = w * 3
    # PNG filter "Up" for every row but the first ("Sub" there): text and
    # flat UI areas compress well and it is cheap in pure Python.
    rows = []
    prev = None
    for y in range(h):
        row = pix[y * stride:(y + 1) * stride]
        if prev is None:
            rows.append(b"\x00" + row)
        else:
            rows.append(b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, prev)))
        prev = row
    raw = b"".join(rows)
    png = b"\x89PNG\r\n\x1a\n"
    png += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += png_chunk(b"IDAT", zlib.compress(raw, 9))
    png += png_chunk(b"IEND", b"")
    with open(dst, "wb") as f:
        f.write(png)
    # colour statistics on every 4th pixel of every 4th row (fast, enough)
    counts = Counter()
    for y in range(0, h, 4):
        base = y * stride
        for x in range(0, w, 4):
            i = base + x * 3
            counts[pix[i:i + 3]] += 1
    total = sum(counts.values()) or 1
    dominant = counts.most_common(1)[0][1] / total if counts else 1.0
    print("%dx%d colours=%d dominant=%.4f" % (w, h, len(counts), dominant))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    try:
        if cmd == "qmp":
            timeout = 10.0
            rest = argv[2:]
            if "--timeout" in rest:
                i = rest.index("--timeout")
                timeout = float(rest[i + 1])
                del rest[i:i + 2]
            args = json.loads(rest[2]) if len(rest) > 2 else None
            print(json.dumps(qmp(rest[0], rest[1], args, timeout)))
        elif cmd == "keys":
            keys = [{"type": "qcode", "data": k} for k in argv[3].split("-")]
            qmp(argv[2], "send-key", {"keys": keys, "hold-time": 200})
        elif cmd == "ppm2png":
            ppm2png(argv[2], argv[3])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, ValueError, RuntimeError, TimeoutError) as e:
        print("qemu-helper: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
