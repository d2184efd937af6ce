// The title rules of a batch, line by line: one function for the API (which refuses) and the page (which
// shows each problem beside its line number while the user types).
import { MAX_TITLES, Title } from './schemas';

export interface TitleProblem {
  /** 1-based line (title) number. */
  line: number;
  message: string;
}

/** Problems of a list of titles: each title's own (length), duplicates (after trimming, ignoring case) and the count. */
export function titleProblems(titles: readonly string[]): TitleProblem[] {
  const out: TitleProblem[] = [];
  const seen = new Map<string, number>();
  titles.forEach((raw, i) => {
    const parsed = Title.safeParse(raw);
    if (!parsed.success) {
      out.push({ line: i + 1, message: parsed.error.issues[0]?.message ?? 'not a valid title' });
      return;
    }
    const key = parsed.data.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) out.push({ line: i + 1, message: `duplicate of line ${first}` });
    else seen.set(key, i + 1);
  });
  if (titles.length > MAX_TITLES) out.push({ line: MAX_TITLES + 1, message: `at most ${MAX_TITLES.toLocaleString('en')} titles per batch (${titles.length.toLocaleString('en')} given)` });
  return out;
}
