// The `favourite_voices` table: a user's favourite voice for one language.
import type { UpdatedAt } from './columns';

export interface FavouriteVoiceTable {
  user_id: string;
  language: string;
  voice: string;
  updated_at: UpdatedAt;
}
