// Reports (../shared/spec/reports.md, docs/reports.md): the catalog, the JSON preview of one
// report, file exports, e-mail schedules and their run history. Files (exports and past runs)
// are fetched with the bearer token and handed to the browser as blobs: a plain link would
// carry no Authorization header.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, getJson, orgPath, request, sendJson, withQuery } from './client';
import type { Domain } from '../auth/roles';

// ---- Catalog --------------------------------------------------------------------------------

export interface CatalogParam {
  name: string;
  description: string;
  /** The accepted values, when the parameter has a fixed set. */
  values?: string[];
  default?: string;
}

export interface CatalogType {
  type: string;
  title: string;
  description: string;
  /** `period` first, then the type's own parameters. */
  parameters: CatalogParam[];
}

export interface CatalogReport {
  report: string;
  /** The domain a role needs to run the report's types. */
  domain: Domain;
  types: CatalogType[];
}

export interface ReportCatalog {
  reports: CatalogReport[];
  /** `json` (the preview), `csv`, `excel`, `pdf`. */
  formats: string[];
}

export function useReportCatalog() {
  return useQuery({
    queryKey: ['report-catalog'],
    queryFn: ({ signal }) => getJson<ReportCatalog>('/reports/catalog', signal),
    staleTime: 60 * 60_000,
  });
}

// ---- The document ---------------------------------------------------------------------------

export interface KpiItem {
  label: string;
  value: number;
  /** The currency code for money, `%` for a percentage (12.5 means 12.5 %), `""` for a count. */
  unit: string;
}

export type ColumnType = 'string' | 'integer' | 'number' | 'money' | 'percent' | 'date';

export interface Column {
  id: string;
  label: string;
  type: ColumnType;
}

export type Cell = string | number | null;

export interface KpiSection { id: string; title: string; kind: 'kpis'; items: KpiItem[] }
export interface TableSection {
  id: string;
  title: string;
  kind: 'table';
  columns: Column[];
  rows: Record<string, Cell>[];
  totals?: Record<string, string | number>;
}
export interface ChartPoint { x: string; y: number }
export interface ChartSection {
  id: string;
  title: string;
  kind: 'chart';
  chart: 'bar' | 'line';
  series: { name: string; points: ChartPoint[] }[];
}
export type ReportSection = KpiSection | TableSection | ChartSection;

export interface ReportDocument {
  organization_id: string;
  title: string;
  report: string;
  type: string;
  period: string;
  parameters: Record<string, string>;
  generated_at: string;
  position: number;
  currency: string;
  /** `balance_sheet` only. */
  balanced?: boolean;
  sections: ReportSection[];
}

export interface ReportQuery {
  report: string;
  type: string;
  period: string;
  /** The type's own parameters (`compare` for `pnl`). */
  parameters: Record<string, string>;
}

export function useReportPreview(org: string, q: ReportQuery | null) {
  return useQuery({
    queryKey: ['report', org, q?.report, q?.type, q?.period, q?.parameters],
    queryFn: ({ signal }) => {
      const path = `/reports/${encodeURIComponent(q!.report)}/${encodeURIComponent(org)}`;
      return getJson<ReportDocument>(withQuery(path, { type: q!.type, period: q!.period, ...q!.parameters }), signal);
    },
    enabled: q !== null,
    // Keep the last document on screen while the next period loads.
    placeholderData: keepPreviousData,
    // A bad parameter or a missing role will not change on a retry.
    retry: (n, err) => n < 2 && !(err instanceof ApiError && err.status < 500 && err.status !== 429),
  });
}

// ---- Files ----------------------------------------------------------------------------------

/** The formats as the page names them, and the path segment / schedule value of each. */
export type FileFormat = 'pdf' | 'xlsx' | 'csv';
export const kApiFormat: Record<FileFormat, 'pdf' | 'excel' | 'csv'> = { pdf: 'pdf', xlsx: 'excel', csv: 'csv' };
export const kFormatLabels: Record<FileFormat, string> = { pdf: 'PDF', xlsx: 'Excel (XLSX)', csv: 'CSV' };

/** The page's name of a format the API names (`excel` → `xlsx`). */
export function fileFormatOf(api: string): FileFormat | null {
  if (api === 'pdf' || api === 'csv' || api === 'xlsx') return api;
  if (api === 'excel') return 'xlsx';
  return null;
}

export interface ExportRequest {
  organization_id: string;
  report: string;
  type: string;
  period?: string;
  parameters?: Record<string, string>;
  section?: string;
}

export interface DownloadedFile { blob: Blob; filename: string }

/**
 * The file name of a `Content-Disposition` header: `filename*` (RFC 5987, UTF-8) wins over
 * `filename`; quotes and escapes undone; any directory part dropped. `fallback` when none.
 */
export function filenameFromDisposition(header: string | null | undefined, fallback: string): string {
  if (!header) return fallback;
  let name: string | null = null;
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star) {
    const v = star[1].trim().replace(/^"(.*)"$/, '$1');
    const m = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(v);
    try {
      name = decodeURIComponent(m ? m[2] : v);
    } catch {
      name = null;
    }
  }
  if (!name) {
    const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
    const bare = /(?:^|;)\s*filename\s*=\s*([^";]+)/i.exec(header);
    if (quoted) name = quoted[1].replace(/\\(.)/g, '$1');
    else if (bare) name = bare[1].trim();
  }
  if (!name) return fallback;
  name = name.split(/[\\/]/).pop()!.trim();
  return name && name !== '.' && name !== '..' ? name : fallback;
}

/** The name the server would give an export (docs: characters outside A-Za-z0-9._- become _). */
export function exportFallbackName(req: ExportRequest, format: FileFormat): string {
  const parts = [req.organization_id, req.report, req.type, req.period ?? 'current'];
  const base = parts.join('-').replace(/[^A-Za-z0-9._-]/g, '_');
  return `${base}${req.section && format === 'csv' ? `-${req.section.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}.${format}`;
}

async function fileOf(res: Response, fallback: string): Promise<DownloadedFile> {
  const blob = await res.blob();
  return { blob, filename: filenameFromDisposition(res.headers.get('Content-Disposition'), fallback) };
}

export async function exportReport(format: FileFormat, body: ExportRequest): Promise<DownloadedFile> {
  const res = await request(`/reports/export/${kApiFormat[format]}`, { method: 'POST', body });
  return fileOf(res, exportFallbackName(body, format));
}

/** A past run's file (`Run.file`, or `/reports/runs/{id}/file`). */
export async function fetchRunFile(run: Pick<Run, 'id' | 'file' | 'report' | 'type'>): Promise<DownloadedFile> {
  const path = run.file && run.file.startsWith('/reports/runs/')
    ? run.file : `/reports/runs/${encodeURIComponent(run.id)}/file`;
  const res = await request(path);
  return fileOf(res, `${run.report}-${run.type}-${run.id}`.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** Hands a blob to the browser as a download with `filename` (an <a download> on a blob: URL). */
export function saveFile({ blob, filename }: DownloadedFile): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke later: some browsers read the URL after click() returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function useExport() {
  return useMutation({
    mutationFn: async ({ format, body }: { format: FileFormat; body: ExportRequest }) => {
      const file = await exportReport(format, body);
      saveFile(file);
      return file;
    },
  });
}

export function useRunDownload() {
  return useMutation({
    mutationFn: async (run: Run) => {
      const file = await fetchRunFile(run);
      saveFile(file);
      return file;
    },
  });
}

// ---- Schedules and runs ---------------------------------------------------------------------

export type PeriodRule = 'previous_month' | 'current_month' | 'previous_quarter' | 'previous_year';
export const kPeriodRules: { value: PeriodRule; label: string }[] = [
  { value: 'previous_month', label: 'The previous month' },
  { value: 'current_month', label: 'The current month' },
  { value: 'previous_quarter', label: 'The previous quarter' },
  { value: 'previous_year', label: 'The previous year' },
];

export interface ScheduleRequest {
  organization_id: string;
  report: string;
  type: string;
  /** A rule (`previous_month`, …) resolved at each run, or a fixed period (`2024-Q1`). */
  period: string;
  format: 'pdf' | 'excel' | 'csv';
  /** Five fields, read in `timezone`. */
  cron: string;
  timezone?: string;
  recipients: string[];
  parameters?: Record<string, string>;
  subject?: string;
}

export interface Schedule {
  id: string;
  organization_id: string;
  report: string;
  type: string;
  period: string;
  parameters: Record<string, string>;
  format: 'pdf' | 'excel' | 'csv';
  cron: string;
  timezone: string;
  recipients: string[];
  /** `""` when the default subject is used. */
  subject: string;
  created_at: string;
  next_run_at: string | null;
}

export type RunStatus = 'running' | 'sent' | 'retrying' | 'failed' | 'skipped';

export interface Run {
  id: string;
  schedule_id: string;
  report: string;
  type: string;
  due_at: string;
  started_at: string | null;
  finished_at: string | null;
  status: RunStatus;
  attempts: number;
  error: string | null;
  size: number;
  next_attempt_at: string | null;
  message_id: string | null;
  /** The download path, or null when no file was made. */
  file: string | null;
}

export const schedulesKey = (org: string) => ['report-schedules', org] as const;
export const historyKey = (org: string) => ['report-history', org] as const;

export function useSchedules(org: string) {
  return useQuery({
    queryKey: schedulesKey(org),
    queryFn: ({ signal }) =>
      getJson<{ organization_id: string; schedules: Schedule[] }>(orgPath('/reports/scheduled/{org}', org), signal),
  });
}

export function useHistory(org: string, scheduleId: string, limit: number) {
  return useQuery({
    queryKey: [...historyKey(org), scheduleId, limit],
    queryFn: ({ signal }) => getJson<{ organization_id: string; runs: Run[] }>(
      withQuery(orgPath('/reports/history/{org}', org), { schedule_id: scheduleId, limit }), signal),
    placeholderData: keepPreviousData,
    // Runs happen on the server's clock: look again often while one is in flight, else now
    // and then.
    refetchInterval: (q) => (q.state.data?.runs.some((r) => r.status === 'running' || r.status === 'retrying')
      ? 5_000 : 30_000),
  });
}

/** Creating or deleting a schedule changes the list and (for a deleted one's open runs) the history. */
function useInvalidateSchedules(org: string) {
  const qc = useQueryClient();
  return () => Promise.all([
    qc.invalidateQueries({ queryKey: schedulesKey(org) }),
    qc.invalidateQueries({ queryKey: historyKey(org) }),
  ]);
}

export function useCreateSchedule(org: string) {
  const invalidate = useInvalidateSchedules(org);
  return useMutation({
    mutationFn: (body: ScheduleRequest) => sendJson<Schedule>('POST', '/reports/schedule', body),
    onSuccess: () => invalidate(),
  });
}

export function useDeleteSchedule(org: string) {
  const invalidate = useInvalidateSchedules(org);
  return useMutation({
    mutationFn: (id: string) => sendJson<null>('DELETE', `/reports/scheduled/${encodeURIComponent(id)}`),
    onSettled: () => invalidate(),
  });
}
