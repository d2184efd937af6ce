// Seed list of real Google Cloud TTS voices the simulator serves until the full catalog lands.

export interface SimVoice {
  name: string;
  languageCodes: string[];
  ssmlGender: 'MALE' | 'FEMALE' | 'NEUTRAL';
  naturalSampleRateHertz: number;
}

const v = (name: string, ssmlGender: SimVoice['ssmlGender']): SimVoice => ({
  name,
  languageCodes: [name.split('-').slice(0, 2).join('-')],
  ssmlGender,
  naturalSampleRateHertz: 24000,
});

export const SEED_VOICES: SimVoice[] = [
  v('en-US-Neural2-A', 'MALE'),
  v('en-US-Neural2-C', 'FEMALE'),
  v('en-US-Standard-B', 'MALE'),
  v('en-US-Wavenet-D', 'MALE'),
  v('en-US-Chirp3-HD-Charon', 'MALE'),
  v('en-GB-Neural2-A', 'FEMALE'),
  v('pt-BR-Neural2-A', 'FEMALE'),
  v('pt-BR-Neural2-B', 'MALE'),
  v('pt-BR-Wavenet-A', 'FEMALE'),
  v('pt-BR-Chirp3-HD-Aoede', 'FEMALE'),
  v('es-ES-Neural2-A', 'FEMALE'),
  v('es-US-Neural2-B', 'MALE'),
  v('fr-FR-Neural2-A', 'FEMALE'),
  v('de-DE-Neural2-B', 'MALE'),
  v('it-IT-Neural2-A', 'FEMALE'),
  v('ja-JP-Neural2-B', 'FEMALE'),
  v('ko-KR-Neural2-A', 'FEMALE'),
  v('cmn-CN-Wavenet-A', 'FEMALE'),
  v('ar-XA-Wavenet-A', 'FEMALE'),
  v('hi-IN-Neural2-A', 'FEMALE'),
  v('ru-RU-Wavenet-A', 'FEMALE'),
  v('th-TH-Neural2-C', 'FEMALE'),
];
