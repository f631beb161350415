/** Helpers every importer uses to turn source values into normalised rows. */
import { isDeepStrictEqual } from 'node:util';
import type { BadRow } from './types.js';

/** Turns a name into an application key: lower case, `a-z0-9` and single hyphens. */
export function toApplicationKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 200);
}

/** Entitlement slugs whose holders own the object the entitlement belongs to. */
export const OWNERSHIP_SLUGS = new Set(['owner', 'owners', 'admin', 'admins', 'administrator']);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}

export function foldEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Returns the identity key for an email or, without one, a login. */
export function identityKeyFor(email: string | undefined, login: string | undefined) {
  if (email) return foldEmail(email);
  if (login) return `login:${login.trim().toLowerCase()}`;
  return undefined;
}

const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Accepted date forms, appended to every invalid date message. */
export const DATE_FORMS = 'use ISO 8601 (2025-04-01T09:30:00Z), MM/DD/YYYY or Unix seconds';

/**
 * Parses the date forms found in exports: ISO 8601 (`2025-04-01`, `2025-04-01T10:00:00Z`),
 * US `MM/DD/YYYY` with an optional time (as Baton's file connector templates write them),
 * RFC 2822 and Unix epoch seconds or milliseconds. Dates without a zone are read as UTC.
 * Returns undefined for text in any other form.
 */
export function parseDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!text) return undefined;
  if (/^\d{9,13}$/.test(text)) return fromEpoch(Number(text));

  const us = US_DATE.exec(text);
  if (us) {
    const [, month, day, year, hours, minutes, seconds] = us.map(Number);
    if (month! < 1 || month! > 12 || day! < 1 || day! > 31) return undefined;
    const date = new Date(
      Date.UTC(year!, month! - 1, day!, hours || 0, minutes || 0, seconds || 0),
    );
    return date.getUTCDate() === day ? date : undefined;
  }
  if (ISO_DATE.test(text)) {
    const date = new Date(`${text}T00:00:00Z`);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) {
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
    const date = new Date(hasZone ? text : `${text.replace(' ', 'T')}Z`);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (/^[A-Za-z]{3},? /.test(text) || /^\d{1,2} [A-Za-z]{3} \d{4}/.test(text)) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function fromEpoch(value: number): Date | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  // Ten digits or fewer are seconds (until the year 2286); more are milliseconds.
  return new Date(value < 1e11 ? value * 1000 : value);
}

/**
 * Collects rows by key and reports repeats. A repeat with the same fields as the first row
 * is merged and reported as a warning. A repeat with different fields is a bad row, because
 * Recert cannot tell which of the two is right.
 */
export class UniqueRows<T> {
  private readonly rows = new Map<string, { row: T; location: string | number }>();

  /**
   * `locationPrefix` turns numeric locations into text only when a repeat is reported,
   * such as `v1_grants row` and 42 into `v1_grants row 42`, which saves work on large files.
   */
  constructor(
    private readonly file: string,
    private readonly what: string,
    private readonly badRows: BadRow[],
    private readonly warnings: BadRow[],
    private readonly locationPrefix = 'row',
  ) {}

  /** Adds a row; returns false when it repeats an earlier one. */
  add(key: string, row: T, at: string | number): boolean {
    const earlier = this.rows.get(key);
    if (!earlier) {
      this.rows.set(key, { row, location: at });
      return true;
    }
    const location = this.describe(at);
    if (isDeepStrictEqual(earlier.row, row)) {
      this.warnings.push({
        file: this.file,
        location,
        reason: `duplicate ${this.what} "${key}", identical to ${this.describe(earlier.location)}; imported once`,
      });
    } else {
      this.badRows.push({
        file: this.file,
        location,
        reason: `duplicate ${this.what} "${key}" with different values from ${this.describe(earlier.location)}; keep one of the two`,
      });
    }
    return false;
  }

  private describe(at: string | number): string {
    return typeof at === 'number' ? `${this.locationPrefix} ${at}` : at;
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  /** Returns every key added, in the order first seen. */
  keys(): string[] {
    return [...this.rows.keys()];
  }

  get(key: string): T | undefined {
    return this.rows.get(key)?.row;
  }

  /** Returns where the row with `key` was first seen, as error messages name it. */
  locationOf(key: string): string | undefined {
    const entry = this.rows.get(key);
    return entry && this.describe(entry.location);
  }

  values(): T[] {
    return [...this.rows.values()].map((entry) => entry.row);
  }

  get size(): number {
    return this.rows.size;
  }
}
