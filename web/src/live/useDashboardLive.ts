// Keeps the dashboard's widgets live: subscribes to every widget on /dashboards/live/{org}
// and writes each pushed `cached_data` into the dashboard query, so the numbers move
// without a reload. Returns the connection state for the page to show.
import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { dashboardKey, type Dashboard, type Widget } from '../api/dashboards';
import { orgPath } from '../api/client';
import { loadSession, signOut } from '../auth/session';
import { LiveSocket, type LiveState } from './liveSocket';

export function useDashboardLive(org: string, widgetIds: string[]): { state: LiveState; detail?: string } {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [state, setState] = useState<{ state: LiveState; detail?: string }>({ state: 'connecting' });
  const socket = useRef<LiveSocket | null>(null);
  const ids = useRef<string[]>(widgetIds);
  const key = widgetIds.join(',');

  useEffect(() => {
    const s = new LiveSocket({
      path: orgPath('/dashboards/live/{org}', org),
      token: () => loadSession()?.token ?? null,
      hello: () => (ids.current.length ? [{ type: 'subscribe', widgets: ids.current }] : []),
      onState: (st, detail) => setState({ state: st, detail }),
      onExpired: (reason) => {
        signOut(`Your session has ended (${reason}). Sign in again.`);
        navigate('/signin', { replace: true });
      },
      onMessage: (msg) => {
        if (msg.type !== 'widget' || typeof msg.widget_id !== 'string') return;
        qc.setQueryData<Dashboard>(dashboardKey(org), (d) => d && {
          ...d,
          widgets: d.widgets.map((w): Widget => w.widget_id !== msg.widget_id ? w : {
            ...w,
            cached_data: (msg.cached_data ?? null) as Widget['cached_data'],
            position: typeof msg.position === 'number' ? msg.position : w.position,
            as_of: typeof msg.as_of === 'string' ? msg.as_of : new Date().toISOString(),
          }),
        });
      },
    });
    socket.current = s;
    return () => { s.close(); socket.current = null; };
  }, [org, qc, navigate]);

  // Widgets added or removed: change the subscription on the open connection.
  useEffect(() => {
    const before = new Set(ids.current);
    const after = new Set(widgetIds);
    ids.current = widgetIds;
    const added = widgetIds.filter((id) => !before.has(id));
    const removed = [...before].filter((id) => !after.has(id));
    if (added.length) socket.current?.send({ type: 'subscribe', widgets: added });
    if (removed.length) socket.current?.send({ type: 'unsubscribe', widgets: removed });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  return state;
}
