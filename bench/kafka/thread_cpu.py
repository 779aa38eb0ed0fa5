#!/usr/bin/env python3
"""CPU per thread of a readside node during one catch-up (bench/RESULTS.md, "Kafka consume
against HTTP ingest: where the CPU goes").

  bench/kafka/thread_cpu.py NODE_PID NODE_STDOUT_FILE KAFKA(0|1) [PEER_PID ...]

Waits for the node's first stored event, then samples /proc/NODE_PID/task/*/stat (and each
PEER_PID's whole process: kafka-dev, ingest_load) until the catch-up ends: with KAFKA=1 every
partition read to 400,000 messages and everything stored applied; with 0, 400,000 events
applied. Prints the rate and each thread name's CPU seconds over that window. The node's
address is read from its stdout ("listening on http://...").
"""
import os, sys, time, json, re, urllib.request, urllib.error
pid, outfile, kafka = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
extra = sys.argv[4:]  # other pids to account (whole process)
tck = os.sysconf('SC_CLK_TCK')
def threads():
    out = {}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            st = open(f'/proc/{pid}/task/{t}/stat').read()
            name = st[st.index('(')+1:st.rindex(')')]
            f = st[st.rindex(')')+2:].split()
            out[t] = (name, (int(f[11]) + int(f[12])) / tck)
        except Exception: pass
    for p in extra:
        try:
            st = open(f'/proc/{p}/stat').read(); f = st[st.rindex(')')+2:].split()
            out['p' + p] = ('[pid %s]' % p, (int(f[11]) + int(f[12])) / tck)
        except Exception: pass
    return out
url = None
while not url:
    m = re.search(r"http://[0-9.:]+", open(outfile).read()); url = m.group(0) if m else None; time.sleep(0.02)
def h():
    try: return json.loads(urllib.request.urlopen(url + "/health/ready").read())
    except urllib.error.HTTPError as e: return json.loads(e.read())
    except Exception: return None
while True:
    x = h()
    if x and x["stored_position"] > 0: break
    time.sleep(0.01)
t0 = time.monotonic(); a = threads()
while True:
    x = h()
    if kafka:
        done = x["applied_position"] == x["stored_position"] and sum(p["next_offset"] for p in x["kafka"]["partitions"]) >= 400000
    else:
        done = x["applied_position"] >= 400000
    if done: break
    time.sleep(0.02)
t1 = time.monotonic(); b = threads()
wall = t1 - t0
print("wall %.2f s, %d events, %.0f/s" % (wall, x["stored_position"], x["stored_position"] / wall))
agg = {}
for t, (n, c) in b.items():
    agg[n] = agg.get(n, 0) + c - a.get(t, (n, 0))[1]
for n, c in sorted(agg.items(), key=lambda kv: -kv[1]):
    if c > 0.01: print("  %-16s %.2f s  %3.0f%% of wall" % (n, c, 100 * c / wall))
print("  total %.2f cores" % (sum(agg.values()) / wall))
