// Keeps a domain page live: subscribes to (domain, period) on /analytics/real-time/{org} and
// merges each update's changed metrics into the section query.
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { sectionKey, type SectionBody } from '../api/analytics';
import { orgPath } from '../api/client';
import type { Source } from '../auth/roles';
import { loadSession, signOut } from '../auth/session';
import { LiveSocket, type LiveStatus } from './liveSocket';

export function useAnalyticsLive(org: string, source: Source, period: string): LiveStatus {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [state, setState] = useState<LiveStatus>({ state: 'connecting' });
  useEffect(() => {
    const s = new LiveSocket({
      path: orgPath('/analytics/real-time/{org}', org),
      token: () => loadSession()?.token ?? null,
      hello: () => [{ type: 'subscribe', domain: source, period }],
      onState: (st, detail, retryAt) => setState({ state: st, detail, retryAt }),
      onExpired: (reason) => {
        signOut(`Your session has ended (${reason}). Sign in again.`);
        navigate('/signin', { replace: true });
      },
      onMessage: (msg) => {
        if (msg.type !== 'update' || msg.domain !== source || msg.period !== period) return;
        const metrics = (msg.metrics ?? {}) as Record<string, unknown>;
        qc.setQueryData<SectionBody>(sectionKey(org, source, period), (b) => b && {
          ...b, ...metrics, last_updated: new Date().toISOString(),
        });
      },
    });
    return () => s.close();
  }, [org, source, period, qc, navigate]);
  return state;
}
