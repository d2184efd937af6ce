// Pure pricing, one formula each for tokens and characters: the estimator prices what a batch will use,
// the activities price the calls they really made, so the two can never disagree on arithmetic.
import { familyOf, type PriceTable } from './catalog';

type ModelPrice = PriceTable['gemini']['models'][string];
type FamilyPrice = PriceTable['tts']['families'][string];

/** USD of `inputTokens` and `outputTokens` at a model's prices. */
export const tokensUsd = (price: ModelPrice, inputTokens: number, outputTokens: number): number =>
  (inputTokens * price.inputPerMillionTokens + outputTokens * price.outputPerMillionTokens) / 1e6;

/** USD of `characters` at a voice family's price. */
export const charactersUsd = (price: FamilyPrice, characters: number): number => (characters * price.perMillionCharacters) / 1e6;

const round = (n: number) => Math.round(n * 1e8) / 1e8;

/** Cost of one Gemini call; 0 when the model has no price in the table (the spend is then unknown, not free). */
export function geminiCallUsd(prices: PriceTable, model: string, inputTokens: number, outputTokens: number): number {
  const price = prices.gemini.models[model] ?? prices.gemini.models[model.replace(/^models\//, '')];
  return price ? round(tokensUsd(price, inputTokens, outputTokens)) : 0;
}

/** Cost of synthesizing `characters` with `voice`, at its family's price per 1M characters. */
export function ttsUsd(prices: PriceTable, voice: string, characters: number): number {
  const family = familyOf(voice);
  const price = family ? prices.tts.families[family] : undefined;
  return price ? round(charactersUsd(price, characters)) : 0;
}

/** Characters Google bills for a narration: code points of the text as sent. */
export const billedCharacters = (text: string): number => [...text].length;

/**
 * Characters Google bills for one TTS request as sent: every code point of its text, or of its SSML with
 * the tags in (Google counts them), `<mark>` tags excepted.
 */
export function billedRequestCharacters(input: { text: string } | { ssml: string }): number {
  return 'ssml' in input ? billedCharacters(input.ssml.replace(/<mark\b[^>]*\/>/gu, '')) : billedCharacters(input.text);
}
