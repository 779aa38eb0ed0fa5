// Keeps a dashboard's widgets live: subscribes to its widgets on /dashboards/live/{org}, naming
// the dashboard (`dashboard_id`: the widget ids of a user's own copy are those of the default it
// was copied from, so the id alone would push the default's numbers), and writes each pushed
// `cached_data` into the dashboard's query, so the numbers move without a reload. When the
// dashboard becomes another one (a user's first change makes their own copy) or a widget's
// definition changes (an edit), the subscriptions follow. Returns the connection state.
import { useEffect, useRef, useState } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { Dashboard, Widget } from '../api/dashboards';
import { orgPath } from '../api/client';
import { loadSession, signOut } from '../auth/session';
import { LiveSocket, type LiveStatus } from './liveSocket';

/** What a widget's pushes depend on: when it changes, the widget is subscribed again. */
export function widgetSignature(w: Widget): string {
  return JSON.stringify([w.widget_type, w.data_source, w.query_params, w.chart_type ?? '']);
}

interface Subscribed { dashboardId: string; widgets: Map<string, string> }

/** The messages that turn the subscriptions `before` into `after`. */
export function subscriptionChanges(before: Subscribed, after: Subscribed): object[] {
  const out: object[] = [];
  if (before.dashboardId !== after.dashboardId) {
    if (before.widgets.size) {
      out.push({ type: 'unsubscribe', widgets: [...before.widgets.keys()], dashboard_id: before.dashboardId });
    }
    if (after.widgets.size) {
      out.push({ type: 'subscribe', widgets: [...after.widgets.keys()], dashboard_id: after.dashboardId });
    }
    return out;
  }
  const removed = [...before.widgets.keys()].filter((id) => !after.widgets.has(id));
  const changed = [...after.widgets.keys()].filter((id) => before.widgets.has(id) && before.widgets.get(id) !== after.widgets.get(id));
  const added = [...after.widgets.keys()].filter((id) => !before.widgets.has(id));
  const gone = [...removed, ...changed];
  if (gone.length) out.push({ type: 'unsubscribe', widgets: gone, dashboard_id: before.dashboardId });
  const fresh = [...changed, ...added];
  if (fresh.length) out.push({ type: 'subscribe', widgets: fresh, dashboard_id: after.dashboardId });
  return out;
}

/** A `widget` push of /dashboards/live, as far as the page reads it. */
export interface WidgetPush {
  type?: unknown; widget_id?: unknown; dashboard_id?: unknown; position?: unknown; deleted?: unknown;
  cached_data?: unknown; forbidden?: unknown; as_of?: unknown;
}

/**
 * The dashboard `d` after the push `msg`: the widget's new data, or, for `deleted: true` (the
 * widget was deleted elsewhere: another tab, another admin), the dashboard without it. A push
 * for another dashboard (a subscription being replaced: a user's own copy has the ids of the
 * default it was copied from) changes nothing; a deletion is applied only when it names this
 * dashboard. A push older than the widget the page holds (rendered before a refetch) is ignored.
 */
export function applyWidgetPush(d: Dashboard | undefined, msg: WidgetPush): Dashboard | undefined {
  if (!d || msg.type !== 'widget' || typeof msg.widget_id !== 'string') return d;
  if (typeof msg.dashboard_id === 'string' && msg.dashboard_id !== d.dashboard_id) return d;
  const position = typeof msg.position === 'number' ? msg.position : null;
  const older = (w: Widget) => position !== null && position < w.position;
  if (msg.deleted === true) {
    if (msg.dashboard_id !== d.dashboard_id) return d;
    const gone = d.widgets.find((w) => w.widget_id === msg.widget_id);
    if (!gone || older(gone)) return d;
    return { ...d, widgets: d.widgets.filter((w) => w !== gone) };
  }
  return {
    ...d,
    widgets: d.widgets.map((w): Widget => {
      if (w.widget_id !== msg.widget_id || older(w)) return w;
      return {
        ...w,
        cached_data: (msg.cached_data ?? null) as Widget['cached_data'],
        forbidden: msg.forbidden === true ? true : undefined,
        position: position ?? w.position,
        as_of: typeof msg.as_of === 'string' ? msg.as_of : new Date().toISOString(),
      };
    }),
  };
}

/**
 * `dashboard`: the dashboard as loaded (undefined until it has loaded: no socket is opened for
 * a dashboard the token cannot read, so it is never retried in vain); `queryKey`: its query.
 */
export function useDashboardLive(org: string, dashboard: Dashboard | undefined, queryKey: QueryKey):
    LiveStatus {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [state, setState] = useState<LiveStatus>({ state: 'connecting' });
  const socket = useRef<LiveSocket | null>(null);
  const subscribed = useRef<Subscribed>({ dashboardId: '', widgets: new Map() });
  const loaded = dashboard !== undefined;
  const keyText = JSON.stringify(queryKey);

  const wanted: Subscribed = {
    dashboardId: dashboard?.dashboard_id ?? '',
    widgets: new Map((dashboard?.widgets ?? []).map((w) => [w.widget_id, widgetSignature(w)])),
  };
  const wantedText = JSON.stringify([wanted.dashboardId, [...wanted.widgets]]);

  useEffect(() => {
    if (!loaded) return;
    const key = JSON.parse(keyText) as QueryKey;
    const s = new LiveSocket({
      path: orgPath('/dashboards/live/{org}', org),
      token: () => loadSession()?.token ?? null,
      hello: () => {
        const { dashboardId, widgets } = subscribed.current;
        return widgets.size ? [{ type: 'subscribe', widgets: [...widgets.keys()], dashboard_id: dashboardId }] : [];
      },
      onState: (st, detail, retryAt) => setState({ state: st, detail, retryAt }),
      onExpired: (reason) => {
        signOut(`Your session has ended (${reason}). Sign in again.`);
        navigate('/signin', { replace: true });
      },
      onMessage: (msg) => {
        if (msg.type !== 'widget' || typeof msg.widget_id !== 'string') return;
        qc.setQueryData<Dashboard>(key, (d) => applyWidgetPush(d, msg));
      },
    });
    socket.current = s;
    return () => {
      s.close();
      socket.current = null;
    };
  }, [org, loaded, keyText, qc, navigate]);

  // The dashboard, its widgets or their definitions changed: change the subscriptions on the
  // open connection (a connection opened later sends `subscribed` in its hello).
  useEffect(() => {
    const before = subscribed.current;
    subscribed.current = wanted;
    for (const m of subscriptionChanges(before, wanted)) socket.current?.send(m);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wantedText]);

  return loaded ? state : { state: 'connecting' };
}
