// Catalog reads shared by the form: languages once, voices per language once, the user's favourites.
import type { voiceView } from '../../api/catalog-routes';
import { api, type Json } from './api';

export interface Language {
  code: string;
  name: string;
  voices: number;
  families: Array<{ family: string; label: string; voices: number }>;
}
export type Voice = Json<ReturnType<typeof voiceView>>;

let languages: Promise<Language[]> | undefined;
export function loadLanguages(): Promise<Language[]> {
  languages ??= api<{ languages: Language[] }>('/api/languages').then((r) => r.languages);
  languages.catch(() => (languages = undefined));
  return languages;
}

const voices = new Map<string, Promise<Voice[]>>();
export function loadVoices(language: string): Promise<Voice[]> {
  let p = voices.get(language);
  if (!p) {
    p = api<{ voices: Voice[] }>(`/api/voices?language=${encodeURIComponent(language)}`).then((r) => r.voices.filter((v) => v.language === language));
    p.catch(() => voices.delete(language));
    voices.set(language, p);
  }
  return p;
}

export async function loadFavourites(): Promise<Map<string, string>> {
  const r = await api<{ favourites: Array<{ language: string; voice: string }> }>('/api/me/favourite-voices');
  return new Map(r.favourites.map((f) => [f.language, f.voice]));
}

/** The voice a language starts with: the favourite, else a Neural2 voice, else the first. */
export function defaultVoice(list: Voice[], favourite: string | undefined): string | undefined {
  if (favourite && list.some((v) => v.name === favourite)) return favourite;
  return (list.find((v) => v.family === 'neural2') ?? list[0])?.name;
}
