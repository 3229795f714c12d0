// Runs the compiled `round_step`, out[i] = f32(bf16(x[i])) and
// relu[i] = f32(max(bf16(x[i]), 0)), over chosen bit patterns and
// pseudo-random ones, and checks each against round-to-nearest-even on the
// bits (a NaN must stay a NaN; the ReLU of a negative value or -0 is +0).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void round_step(void **buffers);

enum { kCount = 67 };
static float x[kCount], out[kCount], relu[kCount], loss_out;
static uint8_t overflow_out;

static uint32_t bitsOf(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float fromBits(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof(value));
  return value;
}

static int isNaN(uint32_t bits) {
  return (bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu) != 0;
}

int main(void) {
  static const uint32_t chosen[] = {
      0x3F800000u, // 1
      0x3F808000u, // halfway, even below: stays 0x3F80
      0x3F818000u, // halfway, odd below: up to 0x3F82
      0x3F80C000u, // above halfway
      0x3F807FFFu, // below halfway
      0x3FFF8000u, // halfway, rounds up into the next binade
      0x7F7FFFFFu, // largest float: rounds to infinity
      0x7F7F8000u, // halfway below infinity, odd: infinity
      0x00010000u, // subnormal, exact
      0x00018000u, // subnormal halfway, odd: up
      0x00008000u, // subnormal halfway, even: to 0
      0x80000000u, // -0
      0x7F800000u, // inf
      0xFF800000u, // -inf
      0x7FC00000u, // quiet NaN
      0x7F800001u, // signalling NaN whose payload the shift would drop
      0xFFFFFFFFu, // negative NaN
      0xBF818000u, // negative halfway, odd: away from zero
  };
  int chosenCount = (int)(sizeof(chosen) / sizeof(chosen[0]));
  uint32_t state = 12345u;
  for (int i = 0; i < kCount; ++i) {
    if (i < chosenCount) {
      x[i] = fromBits(chosen[i]);
      continue;
    }
    state = state * 1664525u + 1013904223u;
    x[i] = fromBits(state & 0xBFFFFFFFu); // finite: exponent below 0xFF
  }
  void *buffers[] = {x, x, out, relu, &loss_out, &overflow_out};
  round_step(buffers);
  int wrong = 0, wrongRelu = 0;
  for (int i = 0; i < kCount; ++i) {
    uint32_t in = bitsOf(x[i]), got = bitsOf(out[i]), gotRelu = bitsOf(relu[i]);
    int ok, okRelu;
    if (isNaN(in)) {
      ok = isNaN(got);
      okRelu = isNaN(gotRelu);
    } else {
      uint32_t expected = ((in + 0x7FFFu + ((in >> 16) & 1u)) >> 16) << 16;
      ok = got == expected;
      okRelu = gotRelu == ((expected >> 31) ? 0u : expected);
    }
    if (!ok || !okRelu)
      printf("x = 0x%08X: got 0x%08X, relu 0x%08X\n", in, got, gotRelu);
    wrong += !ok;
    wrongRelu += !okRelu;
  }
  printf("bf16 rounding: %s (%d wrong of %d)\n", wrong ? "MISMATCH" : "ok",
         wrong, kCount);
  printf("bf16 relu: %s (%d wrong of %d)\n", wrongRelu ? "MISMATCH" : "ok",
         wrongRelu, kCount);
  return wrong + wrongRelu != 0;
}
