import type { Context } from 'hono';

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i;

/** Reads the request's form fields; empty for requests without a form. Hono caches the parse. */
export async function readForm(c: Context): Promise<FormData> {
  if (!FORM_TYPES.test(c.req.header('content-type') ?? '')) return new FormData();
  return c.req.formData();
}

/** Returns a text field's value, or '' when absent or a file. */
export function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** Returns every value of a repeated text field, such as checked checkboxes. */
export function fields(form: FormData, name: string): string[] {
  return form.getAll(name).filter((value): value is string => typeof value === 'string');
}

/** Parses a positive whole number from a field or query parameter, or returns undefined. */
export function positiveInt(value: string | undefined | null): number | undefined {
  if (!value || !/^\d{1,9}$/.test(value)) return undefined;
  const number = Number(value);
  return number > 0 ? number : undefined;
}
