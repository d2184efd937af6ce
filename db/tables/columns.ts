// Column types the table files share: timestamps the database sets, and jsonb columns (read as values, written as JSON text).
import type { ColumnType, JSONColumnType } from 'kysely';

export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

/** A jsonb column that may be null: read as T or null, written as JSON text or null, optional on insert. */
export type NullableJson<T extends object> = JSONColumnType<T | null, string | null | undefined, string | null>;

/** jsonb list of request times (epoch ms); defaults to `[]`. */
export type MinuteLog = JSONColumnType<number[], string | undefined>;
