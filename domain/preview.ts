// Pure: what a voice preview says and where it is kept. A short line in the voice's own language where
// we have one (a voice speaks other languages poorly), else in English.
import { createHash } from 'node:crypto';

/** Sample lines by base language. */
const SAMPLES: Record<string, string> = {
  en: 'Hello! This is how I will sound when I narrate your videos.',
  pt: 'Olá! É assim que vou soar quando narrar os seus vídeos.',
  es: '¡Hola! Así es como sonaré cuando narre tus vídeos.',
  fr: 'Bonjour ! Voici comment je sonnerai en racontant vos vidéos.',
  de: 'Hallo! So klinge ich, wenn ich Ihre Videos spreche.',
  it: 'Ciao! Ecco come suonerò quando narrerò i tuoi video.',
  nl: 'Hallo! Zo klink ik wanneer ik je video’s inspreek.',
  pl: 'Cześć! Tak będę brzmieć, gdy będę czytać twoje filmy.',
  ru: 'Здравствуйте! Так я буду звучать, озвучивая ваши видео.',
  uk: 'Вітаю! Ось так я звучатиму, озвучуючи ваші відео.',
  tr: 'Merhaba! Videolarınızı seslendirirken böyle duyulacağım.',
  ar: 'مرحبًا! هكذا سيبدو صوتي عندما أروي مقاطع الفيديو الخاصة بك.',
  hi: 'नमस्ते! आपके वीडियो सुनाते समय मेरी आवाज़ ऐसी होगी।',
  ja: 'こんにちは。あなたの動画をこの声でナレーションします。',
  ko: '안녕하세요! 영상을 이 목소리로 내레이션해 드릴게요.',
  cmn: '你好！我会用这样的声音为你的视频配音。',
  yue: '你好！我會用呢把聲為你嘅影片做旁白。',
  id: 'Halo! Beginilah suara saya saat menarasikan video Anda.',
  vi: 'Xin chào! Đây là giọng tôi khi thuyết minh video của bạn.',
  th: 'สวัสดีค่ะ นี่คือเสียงของฉันเมื่อบรรยายวิดีโอของคุณ',
  sv: 'Hej! Så här låter jag när jag berättar dina videor.',
  da: 'Hej! Sådan lyder jeg, når jeg fortæller dine videoer.',
  nb: 'Hei! Slik høres jeg ut når jeg forteller videoene dine.',
  fi: 'Hei! Tältä kuulostan, kun kerron videosi.',
  el: 'Γεια σας! Έτσι θα ακούγομαι όταν αφηγούμαι τα βίντεό σας.',
  he: 'שלום! כך אשמע כשאקריין את הסרטונים שלך.',
  cs: 'Dobrý den! Takhle budu znít, až budu namlouvat vaše videa.',
  ro: 'Bună! Așa voi suna când vă voi nara videoclipurile.',
  hu: 'Helló! Így fogok szólni, amikor a videóidat narrálom.',
};

/** The line a voice of `language` says as its preview. */
export function previewText(language: string): string {
  const base = language.split('-')[0]!.toLowerCase();
  return SAMPLES[base] ?? SAMPLES.en!;
}

/** Storage key of a voice's preview; the line's hash is part of it, so a changed line is spoken anew. */
export function previewKey(voice: string, language: string): string {
  const digest = createHash('sha256').update(previewText(language)).digest('hex');
  return `previews/${voice}-${digest.slice(0, 12)}.mp3`;
}
