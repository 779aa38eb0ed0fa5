#!/usr/bin/env python3
"""Summary of bench/live_bench.sh's runs (one JSON line each, from live_load):

    live_bench.py RUNS.jsonl --json OUT.json --rows ROWS.md --report REPORT.md [--meta K=V ...]

OUT.json: medians over the rounds of every kind of run and the ratios readside / peer.
ROWS.md: the rows bench/run.sh puts in RESULTS.md. REPORT.md: every run, for bench/LIVE.md.
"""
import argparse
import json
import statistics as st


def get(r, path):
    for p in path.split('.'):
        r = r[p]
    return r


def med(runs, path):
    """The median of path over the runs that have it (None if none has)."""
    vals = []
    for r in runs:
        try:
            vals.append(get(r, path))
        except KeyError:
            pass
    return st.median(vals) if vals else None


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def summary(runs):
    """Medians over the runs of one kind."""
    k = {q: med(runs, 'latency_ms.' + q) for q in ('p50', 'p95', 'p99', 'max')}
    if 'latency_from_send_ms' in runs[0]:
        k['from_send'] = {q: med(runs, 'latency_from_send_ms.' + q) for q in ('p50', 'p95', 'p99')}
        k['post_ms'] = {q: med(runs, 'post_ms.' + q) for q in ('p50', 'p99')}
        k['negative_clamped_share'] = round(
            med(runs, 'negative_clamped') / max(1, med(runs, 'latency_ms.n')), 3)
        k['achieved_events_per_second'] = med(runs, 'achieved_events_per_second')
    for key, path in [('messages_per_second', 'messages_per_second'),
                      ('full_updates', 'full_updates'),
                      ('send_lateness_p99_ms', 'send_lateness_ms.p99'),
                      ('server_cpu_cores', 'server.cpu_cores'),
                      ('server_cpu_cores_per_1000_clients', 'server.cpu_cores_per_1000_clients'),
                      ('server_rss_mb_before', 'server.rss_mb_before'),
                      ('server_rss_mb_connected', 'server.rss_mb_connected'),
                      ('server_rss_mb_peak', 'server.rss_mb_peak'),
                      ('server_rss_mb_per_1000_clients', 'server.rss_mb_per_1000_clients'),
                      ('load_client_cpu_cores', 'load_client_cpu_cores'),
                      ('machine_busy_cores', 'machine_busy_cores')]:
        k[key] = med(runs, path)
    k['connect_failed'] = max(r['connect_failed'] for r in runs)
    k['closed'] = max(r['closed'] for r in runs)
    if 'speed' in runs[0]:
        k['speed'] = runs[0]['speed']
    return k


def compare(rs, pe, base, clients):
    """readside against the peer at the same offered load: > 1 means readside is that many
    times the peer (more messages per second or per CPU-second; a longer latency)."""
    if base:
        rs['ingest_alone_cpu_cores'] = base['server_cpu_cores']
        rs['fanout_cpu_cores'] = round(rs['server_cpu_cores'] - base['server_cpu_cores'], 3)
        rs['fanout_cpu_cores_per_1000_clients'] = round(rs['fanout_cpu_cores'] / (clients / 1000), 4)

    def eff(k, cpu):
        return k['messages_per_second'] / cpu if cpu and cpu > 0 else None
    return {
        'messages_per_second': ratio(rs['messages_per_second'], pe['messages_per_second']),
        'messages_per_cpu_second': ratio(eff(rs, rs['server_cpu_cores']),
                                         eff(pe, pe['server_cpu_cores'])),
        'messages_per_fanout_cpu_second': ratio(eff(rs, rs.get('fanout_cpu_cores')),
                                                eff(pe, pe['server_cpu_cores'])),
        'latency_p50': ratio(rs['p50'], pe['p50']),
        'latency_p95': ratio(rs['p95'], pe['p95']),
        'latency_p99': ratio(rs['p99'], pe['p99']),
    }


def summarize(rows):
    of = lambda kind: [r for r in rows if r['kind'] == kind]
    first = of('readside')[0]
    s = {'rounds': max(r['round'] for r in rows), 'clients': first['clients'],
         'tenants': first['tenants'], 'groups': first['groups'],
         'rate': first['target_events_per_second'], 'batch': first['batch']}
    for kind in ('readside', 'peer', 'ingest-only'):
        if of(kind):
            s[kind] = summary(of(kind))
    if 'peer' in s:
        s['ratio'] = compare(s['readside'], s['peer'], s.get('ingest-only'), s['clients'])
    if of('readside-sat') and of('peer-sat'):
        rs = summary(of('readside-sat'))
        if of('ingest-only-sat'):
            rs['ingest_alone_cpu_cores'] = summary(of('ingest-only-sat'))['server_cpu_cores']
        peers = {str(r['speed']): summary([r]) for r in of('peer-sat')}
        for r in of('peer-sat'):
            k = peers[str(r['speed'])]
            k['offered_messages_per_second'] = r.get('offered_messages_per_second')
            k['delivered_of_offered'] = ratio(k['messages_per_second'], k['offered_messages_per_second'])
        sat = {'batch': of('readside-sat')[0]['batch'], 'readside': rs, 'peer': peers}
        if '1' in peers:
            # No fan-out share here: readside's ingest falls behind at this load, so the
            # ingest-alone CPU at the full rate would not be what its ingest used.
            sat['ratio_same_load'] = compare(rs, peers['1'], None, s['clients'])
        # The peer's ceiling: the most it delivered at any speed, and while its p99 ≤ 100 ms.
        sat['peer_max_messages_per_second'] = max(k['messages_per_second'] for k in peers.values())
        sat['peer_max_messages_per_second_p99_le_100ms'] = max(
            [k['messages_per_second'] for k in peers.values() if k['p99'] <= 100] or [None])
        sat['ratio_max_messages_per_second'] = ratio(rs['messages_per_second'],
                                                     sat['peer_max_messages_per_second'])
        s['saturation'] = sat
    return s


def n(v, digits=1):
    if v is None:
        return 'n/a'
    if digits == 0:
        return f'{v:,.0f}'
    return f'{v:,.{digits}f}'


def rows_md(s):
    """The RESULTS.md rows (same columns as bench/run.sh's table)."""
    r, p, b, q = s['readside'], s['peer'], s.get('ingest-only', {}), s['ratio']
    out = [
        f"| live updates over WebSocket (`live_bench.sh`, `live_load`): {s['clients']:,} clients over "
        f"{s['tenants']} tenants, each subscribed to one of {s['groups']} (tenant, domain) groups for "
        f"one month, while {s['rate']:,.0f} events/s are ingested in batches of {s['batch']} (one tenant "
        f"each, open loop); from a batch's acknowledgment to each update showing it (medians of "
        f"{s['rounds']} rounds) | p50 {n(r['p50'])} ms, p95 {n(r['p95'])} ms, p99 {n(r['p99'])} ms "
        f"(from the POST's start: p50 {n(r['from_send']['p50'])} ms, p99 {n(r['from_send']['p99'])} ms; "
        f"POST p50 {n(r['post_ms']['p50'])} ms; ingest taken {n(r['achieved_events_per_second'], 0)} "
        f"events/s); {n(r['messages_per_second'], 0)} messages/s delivered; {r['connect_failed']} "
        f"connections failed, {r['closed']} closed | p95 ≤ 50 ms, p99 ≤ 100 ms | Node.js `ws` server "
        f"(`bench/live_peer`) fanning out readside's recorded update bytes to the same clients on the "
        f"same schedule, from the publisher's send: p50 {n(p['p50'])} ms, p95 {n(p['p95'])} ms, p99 "
        f"{n(p['p99'])} ms; {n(p['messages_per_second'], 0)} messages/s | latency {q['latency_p50']}× "
        f"(p50), {q['latency_p95']}× (p95), {q['latency_p99']}× (p99); messages/s "
        f"{q['messages_per_second']}× |",
        f"| live updates: server resources in the same runs (utime + stime over the measured window; "
        f"VmRSS once the clients subscribed, minus before they connected) | {n(r['server_cpu_cores'], 2)} "
        f"cores, {n(r['server_cpu_cores_per_1000_clients'], 3)} per 1,000 clients (ingest alone at the "
        f"same rate: {n(b.get('server_cpu_cores'), 2)} cores, so the live updates cost "
        f"{n(r.get('fanout_cpu_cores_per_1000_clients'), 3)} cores per 1,000 clients); RSS "
        f"{n(r['server_rss_mb_before'])} MB + {n(r['server_rss_mb_per_1000_clients'])} MB per 1,000 "
        f"clients | | Node.js `ws` (one event loop, nothing else to do): {n(p['server_cpu_cores'], 2)} "
        f"cores, {n(p['server_cpu_cores_per_1000_clients'], 3)} per 1,000 clients; RSS "
        f"{n(p['server_rss_mb_before'])} MB + {n(p['server_rss_mb_per_1000_clients'])} MB per 1,000 "
        f"clients | messages per server CPU-second {q['messages_per_cpu_second']}× (readside's fan-out "
        f"alone, ingest subtracted: {q['messages_per_fanout_cpu_second']}×) |",
    ]
    sat = s.get('saturation')
    if sat:
        rs, peers = sat['readside'], sat['peer']
        speeds = ', '.join(f"{k}×: {n(v['messages_per_second'], 0)}/s of {n(v['offered_messages_per_second'], 0)} "
                           f"offered (p99 {n(v['p99'], 0)} ms)"
                           for k, v in sorted(peers.items(), key=lambda kv: float(kv[0])))
        out.append(
            f"| live updates at saturation: batches of {sat['batch']} (each tenant changes every "
            f"{1000 * sat['batch'] * s['tenants'] / s['rate']:.0f} ms, more often than the 10 messages/s "
            f"a subscription gets), {s['clients']:,} clients | {n(rs['messages_per_second'], 0)} "
            f"messages/s, p50 {n(rs['p50'])} ms, p99 {n(rs['p99'])} ms; ingest taken "
            f"{n(rs['achieved_events_per_second'], 0)} events/s, server {n(rs['server_cpu_cores'], 2)} "
            f"cores | | Node.js `ws` replaying that record at the instants readside delivered it, at 1×, "
            f"2×, 4× that speed: {speeds} | readside's messages/s against the most the peer delivered: "
            f"{sat['ratio_max_messages_per_second']}× |")
    return '\n'.join(out) + '\n'


RUN_COLUMNS = [
    ('round', 'round'), ('kind', 'kind'), ('speed', 'speed'), ('batch', 'batch'),
    ('ingest taken, events/s', 'achieved_events_per_second'),
    ('messages/s', 'messages_per_second'),
    ('latency p50 / p95 / p99 / max ms', None), ('from POST start p50 / p99 ms', None),
    ('POST p50 / p99 ms', None), ('clamped to 0', 'negative_clamped'),
    ('full after a skip', 'full_updates'), ('send lateness p99 ms', 'send_lateness_ms.p99'),
    ('server cores', 'server.cpu_cores'), ('server RSS before / subscribed / peak MB', None),
    ('load client cores', 'load_client_cpu_cores'), ('machine busy cores', 'machine_busy_cores'),
    ('other cores', None),
    ('before', 'before'),
]


def report_md(rows, s, meta):
    def cell(r, title, path):
        if path:
            try:
                v = get(r, path)
            except KeyError:
                return ''
            return n(v, 0) if isinstance(v, (int, float)) and abs(v) >= 100 else (
                n(v, 2) if isinstance(v, float) else str(v))
        if title.startswith('latency'):
            l = r['latency_ms']
            return ' / '.join(n(l[k]) for k in ('p50', 'p95', 'p99', 'max')) if l['n'] else ''
        if title.startswith('from POST'):
            l = r.get('latency_from_send_ms')
            return ' / '.join(n(l[k]) for k in ('p50', 'p99')) if l and l['n'] else ''
        if title.startswith('POST'):
            l = r.get('post_ms')
            return ' / '.join(n(l[k]) for k in ('p50', 'p99')) if l else ''
        if title == 'other cores':  # softirq (loopback TCP), kernel threads, other users of the VM
            return n(r['machine_busy_cores'] - r['server']['cpu_cores'] - r['load_client_cpu_cores'], 2)
        if title.startswith('server RSS'):
            v = r['server']
            return ' / '.join(n(v[k], 0) for k in ('rss_mb_before', 'rss_mb_connected', 'rss_mb_peak'))
        return ''
    lines = [
        '# Live updates over WebSocket — readside against a Node.js `ws` fan-out',
        '',
        f"Written by `bench/live_bench.sh` on {meta.get('date', '?')}: {meta.get('machine', '?')}. "
        'The servers, the load client (`live_load`) and the ingest all share these 2 cores, and the '
        'VM is shared with other work: compare within this run. "other cores" = machine busy − '
        'server − load client: softirq time of the loopback TCP traffic (charged to no process), '
        'kernel threads (fsync) and other users of the VM. Method: '
        '[README.md](README.md#live-updates-over-websocket-issue-13).',
        '',
        f"Command: `{meta.get('command', 'bench/live_bench.sh')}` (commit {meta.get('commit', '?')}).",
        '',
        '## Summary (medians of the rounds)',
        '',
        '```json',
        json.dumps(s, indent=1),
        '```',
        '',
        '## Every run',
        '',
        '| ' + ' | '.join(t for t, _ in RUN_COLUMNS) + ' |',
        '|' + '---|' * len(RUN_COLUMNS),
    ]
    for r in rows:
        lines.append('| ' + ' | '.join(cell(r, t, p) for t, p in RUN_COLUMNS) + ' |')
    return '\n'.join(lines) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('runs')
    ap.add_argument('--json', required=True)
    ap.add_argument('--rows', required=True)
    ap.add_argument('--report', required=True)
    ap.add_argument('--meta', action='append', default=[])
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.runs)]
    meta = dict(kv.split('=', 1) for kv in a.meta)
    s = summarize(rows)
    with open(a.json, 'w') as f:
        json.dump(s, f, indent=1)
    with open(a.rows, 'w') as f:
        f.write(rows_md(s))
    with open(a.report, 'w') as f:
        f.write(report_md(rows, s, meta))
    print(json.dumps(s))


if __name__ == '__main__':
    main()
