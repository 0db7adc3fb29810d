#!/usr/bin/env python3
"""E1's latency split at the wire: commit to the front end's send (a loopback capture) against commit to the client.

Usage (local cluster, front end on port 5180):
  tcpdump -i lo -n -s 400 -B 131072 -w /tmp/e1.pcap 'tcp src port 5180' &
  OA_BENCH_LATENCY_CSV=/tmp/e1.csv DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \\
    bench/OrleansAgents.Bench/bin/Release/net10.0/OrleansAgents.Bench --workload E1 --warmup-s 0
  kill %1; python3 bench/wire-latency.py /tmp/e1.pcap /tmp/e1.csv

Each captured WebSocket frame is an event whose JSON begins with runId, seq, type and at (its commit timestamp); a
packet that carries more than one frame (a commit's two events to one client) counts as that many frames, all with
the first frame's time and commit timestamp (a commit's events share it). Only events committed inside the bench's
measured window (the CSV's first to last commit time) count. Loopback, one clock: no skew between the two.
"""
import datetime
import re
import struct
import sys

FRAME = re.compile(rb'^\x81(?:~(..)|(.))\{"runId":"[^"]+","seq":\d+,"type":"[^"]*","at":"([^"]+)"', re.S)


def wire_latencies(pcap, first, last):
    out = []
    with open(pcap, 'rb') as f:
        if struct.unpack('<I', f.read(24)[:4])[0] != 0xa1b2c3d4:
            sys.exit('expected a microsecond pcap from tcpdump -w')
        while len(header := f.read(16)) == 16:
            sec, usec, captured, length = struct.unpack('<IIII', header)
            packet = f.read(captured)
            ip = packet[14:]  # Ethernet, as tcpdump shows Linux loopback
            ip_len = (ip[0] & 15) * 4
            tcp = ip[ip_len:]
            tcp_len = (tcp[12] >> 4) * 4
            m = FRAME.match(tcp[tcp_len:])
            if not m:
                continue
            frame = struct.unpack('>H', m.group(1))[0] + 4 if m.group(1) else (m.group(2)[0] & 127) + 2
            frames = max(1, round((length - 14 - ip_len - tcp_len) / frame))
            at = datetime.datetime.fromisoformat(m.group(3).decode()).timestamp()
            if first <= round(at, 3) <= last + 0.001:
                out += [(sec + usec / 1e6 - at) * 1000] * frames
    return sorted(out)


def summary(name, values):
    q = lambda p: values[min(len(values) - 1, int(p * len(values)))]
    late = 100 * sum(v > 25 for v in values) / len(values)
    print(f'{name:7s} events {len(values):7d}  p50 {q(.5):6.1f} ms  p99 {q(.99):6.1f} ms  over 25 ms {late:5.2f} %')


if __name__ == '__main__':
    rows = [line.strip().split(',') for line in open(sys.argv[2]) if line.strip()]
    client = sorted(float(r[1]) for r in rows)
    summary('wire', wire_latencies(sys.argv[1], float(rows[0][0]), float(rows[-1][0])))
    summary('client', client)
