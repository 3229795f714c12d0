// Runs the compiled `paste_step`, which writes its batch input plus one
// into a slice of its parameter, and checks every element of the result.
#include <stdint.h>
#include <stdio.h>

enum {
  ROWS = 8,
  COLS = 64,
  SLICE_ROWS = 4,
  SLICE_COLS = 16,
  ROW0 = 2,
  COL0 = 8
};

void paste_step(void **buffers);

static float big[ROWS][COLS], small[SLICE_ROWS][SLICE_COLS];
static float big_out[ROWS][COLS], loss_out;
static uint8_t overflow_out;

int main(void) {
  for (int i = 0; i < ROWS; ++i)
    for (int j = 0; j < COLS; ++j)
      big[i][j] = (float)(i * COLS + j);
  for (int i = 0; i < SLICE_ROWS; ++i)
    for (int j = 0; j < SLICE_COLS; ++j)
      small[i][j] = -(float)(i * SLICE_COLS + j);
  void *buffers[] = {big, small, big_out, &loss_out, &overflow_out};
  paste_step(buffers);
  int wrong = 0;
  for (int i = 0; i < ROWS; ++i)
    for (int j = 0; j < COLS; ++j) {
      int inSlice = i >= ROW0 && i < ROW0 + SLICE_ROWS && j >= COL0 &&
                    j < COL0 + SLICE_COLS;
      float want = inSlice ? small[i - ROW0][j - COL0] + 1 : big[i][j];
      wrong += big_out[i][j] != want;
    }
  printf("paste: %s, input %s\n", wrong ? "MISMATCH" : "ok",
         big[ROW0][COL0] == (float)(ROW0 * COLS + COL0) ? "unchanged"
                                                        : "CHANGED");
  return wrong != 0;
}
