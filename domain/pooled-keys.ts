// What a pooled API key is for and where its calls go: its service, its target and whether it may be leased.

/** Services a pooled API key can serve. */
export const KeyService = { gemini: 'gemini', tts: 'tts' } as const;
export type KeyService = (typeof KeyService)[keyof typeof KeyService];

/** Where a pooled key's requests go: Google, or the local simulators (the embedded default). */
export const KeyTarget = { google: 'google', simulator: 'simulator' } as const;
export type KeyTarget = (typeof KeyTarget)[keyof typeof KeyTarget];

/** Whether a key may be leased at all; a disabled key keeps its reason. */
export const KeyStatus = { active: 'active', disabled: 'disabled' } as const;
export type KeyStatus = (typeof KeyStatus)[keyof typeof KeyStatus];
