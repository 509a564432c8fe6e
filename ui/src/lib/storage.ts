// localStorage with a namespace, JSON values and a check on what comes back. Storage may be
// unavailable or full; the UI then simply forgets between runs.

const PREFIX = "framecast.";

export function load<T>(key: string, fallback: T, valid: (value: unknown) => value is T): T {
  try {
    const raw = globalThis.localStorage?.getItem(PREFIX + key);
    if (raw == null) return fallback;
    const value: unknown = JSON.parse(raw);
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown): void {
  try {
    globalThis.localStorage?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Private mode or a full disk: keep working without persistence.
  }
}

export const isString = (v: unknown): v is string => typeof v === "string";
export const isBool = (v: unknown): v is boolean => typeof v === "boolean";
export const oneOf =
  <T extends string | number>(...options: readonly T[]) =>
  (v: unknown): v is T =>
    options.includes(v as T);
export const isStringOrNull = (v: unknown): v is string | null => v === null || isString(v);
