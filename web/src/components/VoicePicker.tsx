// One voice per chosen language: family, gender and price tier shown; a preview to play; the user's
// favourite pre-selected and settable from here.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, blobUrl } from '../api';
import { defaultVoice, loadVoices, type Voice } from '../catalog';
import { ErrorNote } from './ui';

interface Props {
  language: string;
  voice: string | undefined;
  favourite: string | undefined;
  onChange(voice: string): void;
  onFavourite(voice: string): void;
}

const tier = (v: Voice) => (v.pricePerMillionCharacters === null ? 'price unknown' : `$${v.pricePerMillionCharacters}/1M chars`);

export function VoicePicker({ language, voice, favourite, onChange, onFavourite }: Props) {
  const [voices, setVoices] = useState<Voice[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [playing, setPlaying] = useState(false);
  const audio = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    loadVoices(language).then((list) => {
      setVoices(list);
      if (!voice || !list.some((v) => v.name === voice)) {
        const d = defaultVoice(list, favourite);
        if (d) onChange(d);
      }
    }, setError);
  }, [language]);

  const play = async () => {
    if (!voice) return;
    setError(null);
    setPlaying(true);
    try {
      const url = await blobUrl(`/api/voices/${encodeURIComponent(voice)}/preview`);
      if (audio.current) {
        audio.current.src = url;
        await audio.current.play();
      }
    } catch (err) {
      setError(err);
    } finally {
      setPlaying(false);
    }
  };
  const favour = async () => {
    if (!voice) return;
    setError(null);
    try {
      await api(`/api/me/favourite-voices/${language}`, { method: 'PUT', body: { voice } });
      onFavourite(voice);
    } catch (err) {
      setError(err);
    }
  };
  const current = voices.find((v) => v.name === voice);
  const id = `voice-${language}`;
  return (
    <div class="voice-row" data-language={language}>
      <label for={id}>
        Voice for <code>{language}</code>
      </label>
      <select id={id} value={voice ?? ''} onChange={(e) => onChange(e.currentTarget.value)}>
        {voices.map((v) => (
          <option key={v.name} value={v.name}>
            {v.name} — {v.familyLabel}, {v.gender.toLowerCase()}, {tier(v)}
            {v.name === favourite ? ' ★' : ''}
          </option>
        ))}
      </select>
      {current ? (
        <span class="muted voice-facts">
          {current.familyLabel} · {current.gender.toLowerCase()} · {tier(current)}
        </span>
      ) : null}
      <button type="button" onClick={play} disabled={!voice || playing} aria-label={playing ? `Loading the preview of ${voice ?? 'the voice'}` : `Play a preview of ${voice ?? 'the voice'}`}>
        {playing ? 'Loading…' : '▶ Preview'}
      </button>
      <button type="button" onClick={favour} disabled={!voice || voice === favourite} aria-label={voice && voice === favourite ? `Favourite for ${language}: ${voice}` : `Set favourite for ${language}: ${voice ?? ''}`}>
        {voice && voice === favourite ? '★ Favourite' : '☆ Set favourite'}
      </button>
      <audio ref={audio} class="preview-audio" data-voice={voice} aria-label={`Preview of ${voice ?? ''}`} />
      <ErrorNote error={error} />
    </div>
  );
}
