// A report document (GET /reports/{report}/{org}) shown as a page: the title and what it was
// run with, then each section in order — KPI tiles, tables (with their totals row) and charts
// (with the same numbers as a table underneath, for screen readers and for reading values).
import { useId, useMemo, useState } from 'react';
import type { ChartSection, KpiSection, ReportDocument, TableSection } from '../../api/reports';
import { Chart } from '../../charts/Chart';
import { paletteFromCss } from '../../charts/chartOptions';
import { Icon } from '../../components/Icon';
import { formatValue, type NumberContext } from '../../format/number';
import { periodLabel } from '../../format/period';
import { chartCategories, chartUnit, reportChartOption } from './chartOption';
import { formatCell, formatDateTime, formatKpi, isNumericColumn, kpiMetric, rawValue } from './format';
import { paramLabel, paramValueLabel } from './labels';
import { useTheme } from '../../components/theme';

const kRowsShown = 100;

export function ReportPreview({ doc, org, timezone, ctx, onCsv, csvBusy, updating }: {
  doc: ReportDocument;
  org: string;
  timezone: string;
  ctx: NumberContext;
  /** Export one table section as CSV. */
  onCsv?: (sectionId: string) => void;
  /** The section whose CSV is being made, if any. */
  csvBusy?: string | null;
  /** A newer document is loading (this one is kept on screen meanwhile). */
  updating?: boolean;
}) {
  const docCtx: NumberContext = { locale: ctx.locale, currency: doc.currency || ctx.currency };
  const kpis = doc.sections.filter((s): s is KpiSection => s.kind === 'kpis').flatMap((s) => s.items);
  const params = Object.entries(doc.parameters ?? {});
  return (
    <article className={updating ? 'card report-doc is-updating' : 'card report-doc'} data-org={org}
             data-period={doc.period} data-report={`${doc.report}.${doc.type}`} aria-busy={updating || undefined}>
      <header className="report-doc-head">
        <div>
          <h2 id="report-doc-title">{doc.title}</h2>
          <p className="muted">{periodLabel(doc.period, ctx.locale)} <span className="subtle mono">({doc.period})</span></p>
        </div>
        <dl className="report-meta">
          {params.map(([k, v]) => (
            <div key={k}><dt>{paramLabel(k)}</dt><dd>{paramValueLabel(k, String(v))}</dd></div>
          ))}
          <div><dt>Currency</dt><dd>{doc.currency}</dd></div>
          <div><dt>Generated</dt><dd>{formatDateTime(doc.generated_at, timezone, ctx.locale)}</dd></div>
          <div><dt>Store position</dt><dd className="mono">{doc.position}</dd></div>
          {doc.balanced !== undefined && (
            <div><dt>Balanced</dt><dd>
              {doc.balanced
                ? <span className="badge badge-good" data-balanced="true">Balanced</span>
                : <span className="badge badge-bad" data-balanced="false" title="Assets do not equal liabilities plus equity, or some ledger lines are on unknown accounts">Not balanced</span>}
            </dd></div>
          )}
        </dl>
      </header>
      {doc.balanced === false && (
        <p className="alert alert-error report-alert">
          This balance sheet does not balance: ledger lines on accounts that were never created are listed
          under “Unclassified”. Create those accounts in the finance system and the sheet balances again.
        </p>
      )}
      {doc.sections.length === 0 && <p className="muted report-empty">This report has no sections for the period.</p>}
      {doc.sections.map((s) => {
        switch (s.kind) {
          case 'kpis':
            return <KpiBlock key={s.id} section={s} doc={doc} ctx={docCtx} />;
          case 'table':
            return <TableBlock key={s.id} section={s} ctx={docCtx} onCsv={onCsv} csvBusy={csvBusy === s.id} />;
          case 'chart':
            return <ChartBlock key={s.id} section={s} ctx={docCtx} kpiUnits={kpis} />;
          default:
            return null;
        }
      })}
    </article>
  );
}

function SectionHead({ id, title, children }: { id: string; title: string; children?: React.ReactNode }) {
  return (
    <div className="report-section-head">
      <h3 id={id}>{title}</h3>
      {children}
    </div>
  );
}

function KpiBlock({ section, doc, ctx }: { section: KpiSection; doc: ReportDocument; ctx: NumberContext }) {
  const hid = useId();
  return (
    <section className="report-section" aria-labelledby={hid} data-section={section.id}>
      <SectionHead id={hid} title={section.title} />
      {section.items.length === 0 ? <p className="muted">No figures for this period.</p> : (
        <ul className="report-kpis">
          {section.items.map((item, i) => {
            const metric = kpiMetric(doc.report, doc.type, item);
            return (
              <li key={`${item.label}-${i}`} className="report-kpi">
                <span className="report-kpi-label">{item.label}</span>
                <span className="report-kpi-value" data-metric={metric} data-value={rawValue(item.value)}>
                  {formatKpi(item, ctx)}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function TableBlock({ section, ctx, onCsv, csvBusy }: {
  section: TableSection; ctx: NumberContext; onCsv?: (id: string) => void; csvBusy: boolean;
}) {
  const hid = useId();
  const [all, setAll] = useState(false);
  const rows = all ? section.rows : section.rows.slice(0, kRowsShown);
  const totals = section.totals && Object.keys(section.totals).length > 0 ? section.totals : null;
  return (
    <section className="report-section" aria-labelledby={hid} data-section={section.id}>
      <SectionHead id={hid} title={section.title}>
        {onCsv && section.rows.length > 0 && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => onCsv(section.id)} disabled={csvBusy}
                  aria-label={`Download “${section.title}” as CSV`} data-export-section={section.id}>
            <Icon name="download" size={16} />{csvBusy ? 'Preparing…' : 'CSV'}
          </button>
        )}
      </SectionHead>
      {section.rows.length === 0 ? <p className="muted">Nothing to list for this period.</p> : (
        <div className="table-wrap report-table-wrap" tabIndex={0} role="region" aria-labelledby={hid}>
          <table className="table report-table">
            <thead>
              <tr>
                {section.columns.map((c) => (
                  <th key={c.id} scope="col" className={isNumericColumn(c.type) ? 'num' : undefined}>{c.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  {section.columns.map((c, j) => {
                    const v = r[c.id];
                    const text = formatCell(v, c.type, ctx);
                    if (j === 0) return <th key={c.id} scope="row" className={isNumericColumn(c.type) ? 'num' : undefined}>{text}</th>;
                    return isNumericColumn(c.type)
                      ? <td key={c.id} className="num" data-value={rawValue(v)}>{text}</td>
                      : <td key={c.id}>{text}</td>;
                  })}
                </tr>
              ))}
            </tbody>
            {totals && (
              <tfoot>
                <tr>
                  {section.columns.map((c, j) => {
                    const v = totals[c.id];
                    const text = v === undefined ? (j === 0 ? 'Total' : '') : formatCell(v, c.type, ctx);
                    if (j === 0) return <th key={c.id} scope="row">{text}</th>;
                    return <td key={c.id} className={isNumericColumn(c.type) ? 'num' : undefined}
                               data-value={isNumericColumn(c.type) && v !== undefined ? rawValue(v) : undefined}>{text}</td>;
                  })}
                </tr>
              </tfoot>
            )}
          </table>
        </div>
      )}
      {section.rows.length > kRowsShown && (
        <div className="report-more">
          <span className="subtle">{all ? `All ${section.rows.length} rows` : `First ${kRowsShown} of ${section.rows.length} rows`}</span>
          <button type="button" className="btn btn-sm" onClick={() => setAll((a) => !a)}>
            {all ? `Show the first ${kRowsShown}` : `Show all ${section.rows.length} rows`}
          </button>
        </div>
      )}
    </section>
  );
}

function ChartBlock({ section, ctx, kpiUnits }: {
  section: ChartSection; ctx: NumberContext; kpiUnits: { label: string; unit: string }[];
}) {
  const hid = useId();
  const unit = chartUnit(section, kpiUnits, ctx.currency);
  const dark = useTheme();
  const fmt = (v: number, compact: boolean) => formatValue(v, unit, ctx, compact);
  const option = useMemo(() => reportChartOption(section, fmt, paletteFromCss()),
    [section, unit, ctx.locale, ctx.currency, dark]); // eslint-disable-line react-hooks/exhaustive-deps
  const xs = chartCategories(section);
  const points = section.series.reduce((n, s) => n + s.points.length, 0);
  return (
    <section className="report-section" aria-labelledby={hid} data-section={section.id}>
      <SectionHead id={hid} title={section.title} />
      {points === 0 ? <p className="muted">No data to chart.</p> : <>
        <Chart option={option} series={`report.${section.id}`} height={260}
               label={`${section.title}: ${section.chart} chart of ${section.series.map((s) => s.name).join(', ')}`} />
        <details className="report-chart-table">
          <summary>Show the numbers</summary>
          <div className="table-wrap">
            <table className="table">
              <thead><tr><th scope="col">{xs.length && /^\d{4}-\d{2}$/.test(xs[0]) ? 'Month' : 'Category'}</th>
                {section.series.map((s) => <th key={s.name} scope="col" className="num">{s.name}</th>)}</tr></thead>
              <tbody>
                {xs.map((x) => (
                  <tr key={x}>
                    <th scope="row">{x}</th>
                    {section.series.map((s) => {
                      const y = s.points.find((p) => p.x === x)?.y;
                      return <td key={s.name} className="num" data-value={rawValue(y)}>{formatValue(y, unit, ctx)}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </>}
    </section>
  );
}
