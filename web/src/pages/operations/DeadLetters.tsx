// Dead letters (GET /admin/dead-letters): input a source sent that was rejected with no caller
// to answer, with the reason and the raw bytes; each can be resubmitted (judged again as it
// is, e.g. after the producer was fixed). The store is shared by every tenant, so the routes
// need an operator's token (orgs ["*"]).
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { resubmitDeadLetter, useDeadLetters, type DeadLetter, type ResubmitOutcome } from '../../api/ops';
import { ErrorState } from '../../components/States';
import { Freshness } from '../../components/Freshness';
import { Joined } from '../../components/Joined';
import { formatValue, type NumberContext } from '../../format/number';
import { ApiError } from '../../api/client';
import { decodeBase64Text, prettyRaw } from './opsModel';

const kPage = 10;

export function DeadLetters({ ctx, refetchInterval, timezone }: {
  ctx: NumberContext; refetchInterval: number | false; timezone: string;
}) {
  const client = useQueryClient();
  // The `after` cursors of the pages walked so far (0: the first page).
  const [cursors, setCursors] = useState<number[]>([0]);
  const after = cursors[cursors.length - 1];
  const letters = useDeadLetters(after, true, refetchInterval, kPage);
  const [outcomes, setOutcomes] = useState<Record<number, ResubmitOutcome | { error: unknown }>>({});
  const resubmit = useMutation({
    mutationFn: (id: number) => resubmitDeadLetter(id),
    onSuccess: (r, id) => {
      setOutcomes((o) => ({ ...o, [id]: r }));
      if (r.stored) void client.invalidateQueries({ queryKey: ['ops', 'dead-letters'] });
    },
    onError: (error, id) => setOutcomes((o) => ({ ...o, [id]: { error } })),
  });

  if (letters.isPending) return <p className="subtle" role="status">Loading dead letters…</p>;
  if (letters.isError) {
    return <ErrorState title="The dead letters could not be loaded" error={letters.error} retry={() => letters.refetch()} />;
  }
  const page = letters.data;
  // Letters resubmitted and stored are gone from the list on the next fetch; say so meanwhile.
  const stored = Object.entries(outcomes).filter(([, o]) => 'stored' in o && o.stored).map(([id]) => Number(id));
  const visibleStored = stored.filter((id) => !page.dead_letters.some((d) => d.id === id));

  return (
    <div className="dead-letters">
      <p className="subtle">
        <Joined parts={["Every tenant's, oldest first",
          letters.dataUpdatedAt > 0 && <Freshness asOf={new Date(letters.dataUpdatedAt).toISOString()} locale={ctx.locale} />]} />
      </p>
      {visibleStored.length > 0 && (
        <p className="alert alert-info" role="status">
          Stored and removed: {visibleStored.map((id) => `#${id}`).join(', ')}.
        </p>
      )}
      {page.dead_letters.length === 0 ? (
        <div className="state">
          <h3>{cursors.length > 1 ? 'No more dead letters' : 'No dead letters'}</h3>
          <p>{cursors.length > 1 ? 'This is past the last one.' : 'Every event the sources sent was accepted.'}</p>
        </div>
      ) : (
        <ol className="letters">
          {page.dead_letters.map((d) => (
            <Letter key={d.id} letter={d} ctx={ctx} timezone={timezone} outcome={outcomes[d.id]}
                    busy={resubmit.isPending && resubmit.variables === d.id}
                    onResubmit={() => resubmit.mutate(d.id)} />
          ))}
        </ol>
      )}
      {(cursors.length > 1 || page.next !== null) && (
        <nav className="pager" aria-label="Dead-letter pages">
          <button type="button" className="btn btn-sm" disabled={cursors.length <= 1}
                  onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</button>
          <span className="subtle">Page {formatValue(cursors.length, 'count', ctx)}</span>
          <button type="button" className="btn btn-sm" disabled={page.next === null}
                  onClick={() => page.next !== null && setCursors((c) => [...c, page.next!])}>Next</button>
        </nav>
      )}
    </div>
  );
}

function Letter({ letter, ctx, timezone, outcome, busy, onResubmit }: {
  letter: DeadLetter; ctx: NumberContext; timezone: string; outcome?: ResubmitOutcome | { error: unknown };
  busy: boolean; onResubmit: () => void;
}) {
  const raw = decodeBase64Text(letter.raw_base64);
  const indented = raw.truncated ? raw.text : prettyRaw(raw.text);
  const shown = raw.truncated ? `${raw.text}\n…` : indented;
  const received = Date.parse(letter.received_at);
  let when = letter.received_at;
  if (!Number.isNaN(received)) {
    try {
      when = new Intl.DateTimeFormat(ctx.locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone: timezone }).format(received);
    } catch {
      when = new Intl.DateTimeFormat(ctx.locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(received);
    }
  }
  return (
    <li className="letter card" data-dead-letter-id={letter.id}>
      <div className="letter-head">
        <h3>#{letter.id} <span className="subtle mono">{letter.source}</span></h3>
        <button type="button" className="btn btn-sm" disabled={busy} onClick={onResubmit}
                aria-label={`Resubmit dead letter ${letter.id}`}>
          {busy ? 'Resubmitting…' : 'Resubmit'}
        </button>
      </div>
      <p className="letter-reason"><span className="badge badge-bad">Rejected</span> {letter.reason}</p>
      <p className="subtle">
        Received <time dateTime={letter.received_at}>{when}</time> · {formatValue(raw.bytes, 'count', ctx)} bytes
      </p>
      <details>
        <summary>Raw bytes{indented !== raw.text ? ' (JSON, indented)' : raw.truncated ? ' (the start)' : ''}</summary>
        <pre className="letter-raw">{shown}</pre>
      </details>
      {outcome && <Outcome outcome={outcome} />}
    </li>
  );
}

function Outcome({ outcome }: { outcome: ResubmitOutcome | { error: unknown } }) {
  if ('error' in outcome) {
    const e = outcome.error;
    const text = e instanceof ApiError ? (e.status === 404 ? 'It is gone: already resubmitted, or removed.' : e.detail || e.title)
      : 'The server could not be reached.';
    return <p className="alert alert-error" role="alert">Resubmit failed: {text}</p>;
  }
  if (outcome.stored) {
    const how = outcome.answer.duplicates > 0 ? 'already stored (a duplicate)' : 'accepted';
    return <p className="alert alert-info" role="status">Stored: {how}, at position {outcome.answer.position}.</p>;
  }
  const errors = outcome.answer.rejected.flatMap((r) => r.errors);
  const conflict = outcome.answer.conflicts.length > 0;
  return (
    <div className="alert alert-error" role="alert">
      Still rejected; the letter stays.
      {conflict && ' Its event id is already stored with different content.'}
      {errors.length > 0 && (
        <ul>{errors.map((e, i) => <li key={i}><span className="mono">{e.field}</span>: {e.message}</li>)}</ul>
      )}
    </div>
  );
}
