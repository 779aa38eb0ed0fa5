// A domain's page (CRM, HRM, Finance, Inventory, Projects, Cross): headline KPIs with the
// change against the previous period, trend charts, every other number, and the breakdowns,
// for the period in the picker (kept in the address as ?period=). Live over
// /analytics/real-time/{org}.
import { memo, useDeferredValue, useMemo } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { useQueries, useQuery } from '@tanstack/react-query';
import { trends, useSection, type SectionBody, type seriesQuery } from '../api/analytics';
import { kCatalog, type MetricDef } from '../api/catalog';
import { useTenant } from '../api/tenant';
import { canRead, canReadCross, canReadMetric, kDomainLabels, type Domain, type Source } from '../auth/roles';
import { loadSession } from '../auth/session';
import { BreakdownChart } from '../charts/BreakdownChart';
import { Chart } from '../charts/Chart';
import {
  blankBefore, breakdownOption, breakdownSlices, firstDataIndex, lastIsPartial, paletteFromCss, seriesOption, type Slice,
} from '../charts/chartOptions';
import { Freshness } from '../components/Freshness';
import { Joined } from '../components/Joined';
import { PeriodPicker } from '../components/PeriodPicker';
import { useTheme } from '../components/theme';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { NotFoundPage } from './NotFoundPage';
import { hasKeyOrder } from '../format/keys';
import { formatValue, numberFormat, type NumberContext } from '../format/number';
import { currentPeriod, granularityOf, periodLabel, shiftPeriod, type Granularity } from '../format/period';
import { LiveBadge } from '../live/LiveBadge';
import { useAnalyticsLive } from '../live/useAnalyticsLive';
import './domain.css';

/** The relative change from `prev` to `cur`, or null when it has no meaning. */
export function change(cur: unknown, prev: unknown): number | null {
  if (typeof cur !== 'number' || typeof prev !== 'number' || prev === 0) return null;
  return (cur - prev) / Math.abs(prev);
}

export function DomainPage() {
  const { org = '', domain = '' } = useParams();
  const roles = loadSession()?.claims.roles ?? [];
  if (!(domain in kCatalog)) return <NotFoundPage />;
  const allowed = domain === 'cross' ? canReadCross(roles) : canRead(roles, domain as Domain);
  if (!allowed) {
    return (
      <div className="page">
        <h1>{kDomainLabels[domain as Source]}</h1>
        <EmptyState title="Not part of your access">
          Your roles do not include {kDomainLabels[domain as Source]}. Ask an administrator if you need these numbers.
        </EmptyState>
      </div>
    );
  }
  return <DomainView key={domain} org={org} source={domain as Source} />;
}

function DomainView({ org, source }: { org: string; source: Source }) {
  const tenant = useTenant();
  const [params, setParams] = useSearchParams();
  const period = params.get('period') && granularityOf(params.get('period')!) ? params.get('period')! : currentPeriod('month', tenant.timezone);
  const prev = shiftPeriod(period, -1);
  const body = useSection(org, source, period);
  const prevBody = useSection(org, source, prev);
  const live = useAnalyticsLive(org, source, period);
  // The numbers are drawn in a transition (React renders them in slices and yields between
  // them): their arrival, or a live update, never blocks input for the whole page.
  // One deferred value for the period and its numbers, so that they never disagree.
  const shown = useDeferredValue(useMemo(() => ({
    period, data: body.data, prevData: prevBody.data, prevFailed: prevBody.isError && !prevBody.data,
  }), [period, body.data, prevBody.data, prevBody.isError]));
  const ctx = useMemo<NumberContext>(() => ({ locale: tenant.locale, currency: tenant.currency }),
    [tenant.locale, tenant.currency]);

  return (
    <div className="page domain-page" data-org={org} data-period={period}>
      <div className="page-header">
        <div>
          <h1>{kDomainLabels[source]}</h1>
          <p className="subtitle">
            <Joined parts={[tenant.name || org,
              body.data && <Freshness asOf={body.data.last_updated ?? undefined} locale={tenant.locale} />]} />
            {body.data?.stale && <span className="badge badge-warn">catching up</span>}</p>
        </div>
        <div className="toolbar">
          <LiveBadge {...live} />
        </div>
      </div>
      <PeriodPicker period={period} timezone={tenant.timezone} locale={tenant.locale}
                    onChange={(p) => setParams({ period: p })} />
      {body.isError ? (
        <ErrorState title={`The ${kDomainLabels[source]} numbers could not be loaded`} error={body.error}
                    retry={() => body.refetch()} />
      ) : body.isPending || !shown.data ? <LoadingState label="Loading the numbers…" /> : (
        <DomainNumbers org={org} source={source} period={shown.period} data={shown.data} prevData={shown.prevData}
                       prevFailed={shown.prevFailed} ctx={ctx} />
      )}
    </div>
  );
}

/** The KPIs, trends, breakdowns and every other number of one period. */
const DomainNumbers = memo(function DomainNumbers({ org, source, period, data, prevData, prevFailed = false, ctx }: {
  org: string; source: Source; period: string; data: SectionBody; prevData?: SectionBody;
  /** The previous period's numbers could not be loaded (their request failed). */
  prevFailed?: boolean; ctx: NumberContext;
}) {
  const roles = loadSession()?.claims.roles ?? [];
  // Cross-service metrics need all their sources: show only those the roles read.
  const defs = kCatalog[source].filter((d) => canReadMetric(roles, source, d.key));
  const kpis = defs.filter((d) => d.kpi);
  const others = defs.filter((d) => !d.kpi && d.shape === 'number');
  const breakdowns = defs.filter((d) => d.shape !== 'number');
  const trendList = trends(org, source, period, roles);
  // Where the tenant's data starts in these trends (they share their periods): the first period
  // in which any of them has a value. The periods before it are drawn as gaps in every trend,
  // not as zeros; one that is 0 after it (no terminations this month) is a real 0.
  const dataStart = useQueries({
    queries: trendList.map((t) => t.query),
    combine: (results) => {
      const starts = results.flatMap((r) => (r.data ? [firstDataIndex(r.data.points)] : [])).filter((i) => i >= 0);
      return starts.length ? Math.min(...starts) : -1;
    },
  });
  return (
    <div className="domain-numbers" data-period={period}>
      <div className="kpis">
        {kpis.map((d) => (
          <Kpi key={d.key} def={d} source={source} body={data} prev={prevData} ctx={ctx} />
        ))}
      </div>
      <h2 className="section-title">Trends</h2>
      <div className="charts charts-trends">
        {trendList.map(({ def, granularity, query }) => (
          <Trend key={def.key} source={source} def={def} granularity={granularity} query={query} ctx={ctx}
                 dataStart={dataStart} />
        ))}
      </div>
      {breakdowns.length > 0 && <>
        <h2 className="section-title">Breakdowns</h2>
        <div className="charts">
          {breakdowns.map((d) => <Breakdown key={d.key} def={d} source={source} body={data} ctx={ctx} />)}
        </div>
      </>}
      {others.length > 0 && <>
        <h2 className="section-title">All numbers</h2>
        <div className="card table-wrap">
          <table className="table">
            <thead><tr><th scope="col">Metric</th><th scope="col" className="num">This period</th>
              <th scope="col" className="num hide-narrow">Previous</th><th scope="col" className="num">Change</th></tr></thead>
            <tbody>
              {others.map((d) => {
                const v = data[d.key] as number | null | undefined;
                const p = prevData?.[d.key] as number | null | undefined;
                const c = deltaOf(d.unit, v, p);
                return (
                  <tr key={d.key}>
                    <td>{d.label}</td>
                    <td className="num"><span data-metric={`${source}.${d.key}`} data-value={v == null ? '' : String(v)}>
                      {formatValue(v, d.unit, ctx)}</span></td>
                    <td className="num muted hide-narrow">
                      <PreviousValue value={p} unit={d.unit} ctx={ctx}
                                     state={prevData ? 'loaded' : prevFailed ? 'failed' : 'loading'} /></td>
                    <td className="num"><Delta delta={c} good={d.higherIsBetter !== false} locale={ctx.locale} /></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </>}
    </div>
  );
});

/**
 * A number of the previous period in the All numbers table: the value once loaded, "…" while it
 * loads, and "—" when its request failed, with the reason for a screen reader and on hover
 * (the change beside it is "—" too), not a "…" that never ends.
 */
export function PreviousValue({ value, unit, ctx, state }: {
  value: unknown; unit: MetricDef['unit']; ctx: NumberContext; state: 'loading' | 'loaded' | 'failed';
}) {
  if (state === 'loaded') return <>{formatValue(value as number | null | undefined, unit, ctx)}</>;
  if (state === 'loading') return <>…</>;
  return (
    <span data-previous="failed" title={kPreviousFailed}>
      <span aria-hidden="true">—</span><span className="visually-hidden">{kPreviousFailed}</span>
    </span>
  );
}
const kPreviousFailed = 'the previous period could not be loaded';

/** A change for people: percentage points between two percentages, else the relative change. */
export function deltaOf(unit: string, cur: unknown, prev: unknown): { value: number; points: boolean } | null {
  if (unit === 'percent') {
    return typeof cur === 'number' && typeof prev === 'number' ? { value: cur - prev, points: true } : null;
  }
  const c = change(cur, prev);
  return c === null ? null : { value: c, points: false };
}

function Delta({ delta, good, locale }: { delta: { value: number; points: boolean } | null; good: boolean; locale?: string }) {
  if (delta === null) return <span className="subtle">—</span>;
  const value = delta.value;
  const up = value > 0;
  const cls = value === 0 ? 'delta' : (up === good ? 'delta delta-good' : 'delta delta-bad');
  const text = delta.points
    ? `${numberFormat(locale, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(value * 100)} pp`
    : numberFormat(locale, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(value);
  return <span className={cls}>{up ? '▲' : value < 0 ? '▼' : ''} {text}<span className="visually-hidden"> against the previous period</span></span>;
}

function Kpi({ def, source, body, prev, ctx }: {
  def: MetricDef; source: Source; body: SectionBody; prev?: SectionBody; ctx: NumberContext;
}) {
  const v = body[def.key] as number | null | undefined;
  return (
    <div className="card kpi">
      <span className="kpi-label">{def.label}</span>
      <span className="kpi-value" data-metric={`${source}.${def.key}`} data-value={v == null ? '' : String(v)}>
        {formatValue(v, def.unit, ctx)}
      </span>
      <Delta delta={deltaOf(def.unit, v, prev?.[def.key])} good={def.higherIsBetter !== false} locale={ctx.locale} />
    </div>
  );
}

export function Trend({ source, def, granularity, query, ctx, dataStart }: {
  source: Source; def: MetricDef; granularity: Granularity; query: ReturnType<typeof seriesQuery>; ctx: NumberContext;
  /** The index of the first period with data in any of the page's trends (-1: none). */
  dataStart: number;
}) {
  // The loader asked for it with the page's numbers: usually here before this first renders.
  const series = useQuery(query);
  const dark = useTheme();
  const { timezone } = useTenant();
  const option = useMemo(() => series.data &&
    seriesOption(blankBefore(series.data.points, dataStart), def.unit === 'count' ? 'bar' : 'line', def.unit, ctx,
      paletteFromCss(), def.label, lastIsPartial(series.data.points, currentPeriod(granularity, timezone))),
  [series.data, dataStart, def, ctx.locale, ctx.currency, dark, granularity, timezone]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <figure className="card chart-card">
      <figcaption>{def.label}</figcaption>
      {series.isPending ? <div className="skeleton chart-skeleton" /> : series.isError ? (
        <ErrorState title="This trend could not be loaded" error={series.error} retry={() => series.refetch()} />
      ) : option && series.data && <>
        <Chart option={option} series={`${source}.${def.key}`} label={`${def.label} by ${granularity}`} height={220} />
        <TrendTable source={source} def={def} granularity={granularity} points={series.data.points}
                    dataStart={dataStart} ctx={ctx} underWay={currentPeriod(granularity, timezone)} />
      </>}
    </figure>
  );
}

/**
 * A trend's values as a table, for the keyboard and screen readers (the chart shows them on
 * hover): Period | Value from the period where the page's data starts (the chart's gaps before
 * it are not rows), the period under way marked "to date". Each value carries data-metric
 * `<domain>.<metric>` and its row data-period; the details carry data-trend and
 * data-granularity, so a check compares the rows with /analytics/series, not with the page's
 * one-period numbers.
 */
function TrendTable({ source, def, granularity, points, dataStart, ctx, underWay }: {
  source: Source; def: MetricDef; granularity: Granularity; points: readonly { period: string; value: number | null }[];
  dataStart: number; ctx: NumberContext; underWay: string;
}) {
  const rows = points.slice(Math.max(0, dataStart));
  if (rows.length === 0) return null;
  return (
    <details className="breakdown-table" data-trend={`${source}.${def.key}`} data-granularity={granularity}>
      <summary>Show as a table</summary>
      <table className="table">
        <thead><tr><th scope="col">Period</th><th scope="col" className="num">Value</th></tr></thead>
        <tbody>
          {rows.map((pt) => (
            <tr key={pt.period} data-period={pt.period}>
              <td>{periodLabel(pt.period, ctx.locale)}{pt.period === underWay ? ' (to date)' : ''}</td>
              <td className="num"><span data-metric={`${source}.${def.key}`} data-value={pt.value === null ? '' : String(pt.value)}>
                {formatValue(pt.value, def.unit, ctx)}</span></td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** A breakdown of the period (a map, or the top performers): a donut with its legend, or bars
 *  when it has more than 6 entries, and its entries as a table. */
export function Breakdown({ def, source, body, ctx }: { def: MetricDef; source: Source; body: SectionBody; ctx: NumberContext }) {
  const raw = body[def.key];
  const dark = useTheme();
  const metric = `${source}.${def.key}`;
  // A map's entries named for people, the raw key kept for the hooks; a pipeline's stages in
  // its order, other maps largest first. The top performers are named by their user ids.
  const slices = useMemo<Slice[]>(() => {
    if (Array.isArray(raw)) {
      return raw.map((r: Record<string, unknown>) => ({ name: String(r.user_id ?? ''), value: Number(r.won_value ?? 0) }));
    }
    if (raw && typeof raw === 'object') {
      const entries = Object.entries(raw as Record<string, number>).map(([key, value]) => ({ key, value }));
      return breakdownSlices(metric, hasKeyOrder(metric) ? entries : entries.sort((a, b) => b.value - a.value));
    }
    return [];
  }, [raw, metric]);
  const palette = useMemo(() => paletteFromCss(), [dark]); // eslint-disable-line react-hooks/exhaustive-deps
  const kind = slices.length > 6 ? 'bar' : 'donut';
  const chartUnit = def.unit === 'money' ? 'money' : def.unit;
  const option = useMemo(() => breakdownOption(slices, kind, chartUnit, ctx, palette),
    [slices, kind, chartUnit, ctx.locale, ctx.currency, palette]); // eslint-disable-line react-hooks/exhaustive-deps
  const unit = Array.isArray(raw) ? 'money' : def.unit;
  return (
    <figure className="card chart-card">
      <figcaption>{def.label}</figcaption>
      {slices.length === 0 ? <p className="widget-note">Nothing in this period.</p> : <>
        {kind === 'donut'
          ? <BreakdownChart option={option} slices={slices} unit={chartUnit} ctx={ctx} palette={palette}
                            series={`${source}.${def.key}`} label={`${def.label}, chart`} height={220} />
          : <Chart option={option} series={`${source}.${def.key}`} label={`${def.label}, chart`} height={220} />}
        <details className="breakdown-table">
          <summary>Show as a table</summary>
          <table className="table">
            <thead><tr><th scope="col">{def.entryLabel ?? 'Name'}</th>
              <th scope="col" className="num">{def.valueLabel ?? def.label}</th></tr></thead>
            <tbody>
              {slices.map((s) => (
                <tr key={s.key ?? s.name}><td>{s.name}</td><td className="num">
                  <span data-metric={`${metric}.${s.key ?? s.name}`} data-value={String(s.value)}>{formatValue(s.value, unit, ctx)}</span>
                </td></tr>
              ))}
            </tbody>
          </table>
        </details>
      </>}
    </figure>
  );
}
