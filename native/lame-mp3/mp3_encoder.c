/*
 * Bolt IA's MP3 encoder: LAME 3.100 built for WebAssembly with a speed-for-quality setting, which the published
 * wasm-media-encoders build does not expose. One module instance encodes one mono narration at a time, whole:
 *   reserve(samples)  -> where to write the narration's float samples (in [-1, 1])
 *   encode(rate, kbps, quality, samples) -> bytes of the constant-bitrate MP3 stream (no tag), or < 0 on error
 *   output()          -> where those bytes are
 * Errors: -1 out of memory, -2 LAME refused or would change the rate or bitrate, -3 LAME failed to encode.
 */
#include <stdlib.h>
#include <lame.h>

static float *input;
static size_t input_capacity;
static unsigned char *out;
static size_t out_capacity;

__attribute__((export_name("reserve"))) float *reserve(size_t samples) {
  if (samples > input_capacity) {
    free(input);
    input = malloc(samples * sizeof(float));
    input_capacity = input ? samples : 0;
  }
  return input;
}

__attribute__((export_name("output"))) unsigned char *output(void) { return out; }

__attribute__((export_name("encode"))) int encode(int sample_rate, int kbps, int quality, size_t samples) {
  if (samples > input_capacity) return -1;
  /* LAME's own bound for a whole buffer (1.25 x samples + 7200), plus the flush's last frames. */
  size_t need = samples + samples / 4 + 7200 + 7200;
  if (need > out_capacity) {
    free(out);
    out = malloc(need);
    out_capacity = out ? need : 0;
    if (!out) return -1;
  }
  lame_t lame = lame_init();
  if (!lame) return -1;
  /* LAME's messages would go to a stderr the module does not have: the codes below say what failed. */
  lame_set_errorf(lame, NULL);
  lame_set_debugf(lame, NULL);
  lame_set_msgf(lame, NULL);
  lame_set_num_channels(lame, 1);
  lame_set_mode(lame, MONO);
  lame_set_in_samplerate(lame, sample_rate);
  lame_set_out_samplerate(lame, sample_rate);
  lame_set_brate(lame, kbps);
  lame_set_VBR(lame, vbr_off);
  lame_set_quality(lame, quality);
  lame_set_bWriteVbrTag(lame, 0);
  lame_set_write_id3tag_automatic(lame, 0);
  /* LAME would quietly pick the nearest bitrate or rate it has: a setting it changes is refused instead. */
  if (lame_init_params(lame) < 0 || lame_get_brate(lame) != kbps || lame_get_out_samplerate(lame) != sample_rate) {
    lame_close(lame);
    return -2;
  }
  int written = lame_encode_buffer_ieee_float(lame, input, input, (int)samples, out, (int)out_capacity);
  if (written >= 0) {
    int tail = lame_encode_flush(lame, out + written, (int)(out_capacity - written));
    written = tail < 0 ? tail : written + tail;
  }
  lame_close(lame);
  return written < 0 ? -3 : written;
}
