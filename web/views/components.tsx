import type { Child } from 'hono/jsx';
import { CSRF_FIELD } from '../auth/csrf.js';

/** Renders the hidden field that carries the CSRF token in forms sent without htmx. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** Renders a message box: `info` for notices, `error` for rejections, `ok` for confirmations. */
export function Notice(props: {
  kind?: 'info' | 'error' | 'ok';
  id?: string;
  focus?: boolean;
  children?: Child;
}) {
  const kind = props.kind ?? 'info';
  return (
    <div
      id={props.id}
      class={`notice ${kind === 'info' ? '' : kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-focus={props.focus ? '' : undefined}
      tabindex={props.focus ? -1 : undefined}
    >
      {props.children}
    </div>
  );
}

/** Formats an instant as `2026-12-04 20:24 UTC`; pages show UTC so auditors compare easily. */
export function formatTime(
  value: Date | string | null | undefined,
  precision: 'minutes' | 'seconds' = 'minutes',
): string {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const end = precision === 'seconds' ? 19 : 16;
  return `${date.toISOString().slice(0, end).replace('T', ' ')} UTC`;
}

/** Renders a time. The task log shows seconds, so entries of the same minute stay ordered. */
export function Time(props: {
  value: Date | string | null | undefined;
  precision?: 'minutes' | 'seconds';
}) {
  if (!props.value) return <span class="muted">none</span>;
  const date = props.value instanceof Date ? props.value : new Date(props.value);
  return <time datetime={date.toISOString()}>{formatTime(date, props.precision)}</time>;
}

const RECOMMENDATION_LABELS: Record<string, string> = {
  remove: 'Recommendation: remove this access',
  closer_look: 'Recommendation: take a closer look',
};

export function RecommendationFlag(props: { kind: string | null | undefined }) {
  const label = props.kind ? RECOMMENDATION_LABELS[props.kind] : undefined;
  if (!label) return null;
  return <span class={`flag ${props.kind}`}>{label}</span>;
}

export function RiskFlag(props: { level: string | null | undefined }) {
  if (!props.level) return null;
  return <span class={`flag risk-${props.level}`}>{`${props.level} risk`}</span>;
}

const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  certified: 'Certified',
  removed: 'Removed',
  canceled: 'Canceled',
  expired: 'Expired',
};

export function StatusFlag(props: { status: string }) {
  return (
    <span class={`flag status-${props.status}`}>{STATUS_LABELS[props.status] ?? props.status}</span>
  );
}

/** Page links that keep the current query; `page` is 1-based. */
export function Pagination(props: {
  page: number;
  pageCount: number;
  href: (page: number) => string;
  label?: string;
}) {
  if (props.pageCount <= 1) return null;
  return (
    <nav class="pagination" aria-label={props.label ?? 'Pages'}>
      {props.page > 1 ? (
        <a href={props.href(props.page - 1)} rel="prev">
          Previous page
        </a>
      ) : null}
      <span>{`Page ${props.page} of ${props.pageCount}`}</span>
      {props.page < props.pageCount ? (
        <a href={props.href(props.page + 1)} rel="next">
          Next page
        </a>
      ) : null}
    </nav>
  );
}

/** Builds a URL from a path and query values, leaving out empty ones. */
export function urlWith(
  path: string,
  query: Record<string, string | number | undefined | null>,
): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
