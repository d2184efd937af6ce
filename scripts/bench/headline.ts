// The `headline` scenario: the original system's headline batch, 100 titles × 20 languages (2,000 jobs), with the
// quota set-up of `quota` (3 Gemini projects × 60 RPM, 2 TTS keys × 300 RPM), reported the same way.
// Options: those of `quota`; --titles and --languages shorten it.
import { runQuota } from './quota';

export const run = (argv: string[]) => runQuota('headline', argv, { titles: 100, languages: 20 });
