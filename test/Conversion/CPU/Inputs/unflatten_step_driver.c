// Runs the compiled `unflatten_step`: out[i][j] = x[j / 3][j % 3] + row[i],
// and checks every element; x has 5 columns, of which the step reads 3.
#include <stdint.h>
#include <stdio.h>

void unflatten_step(void **buffers);

static float x[4][5], row[2], out[2][12], loss_out;
static uint8_t overflow_out;

int main(void) {
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 5; ++j)
      x[i][j] = (float)(10 * i + j);
  row[0] = 100;
  row[1] = 200;
  void *buffers[] = {x, row, out, &loss_out, &overflow_out};
  unflatten_step(buffers);
  int wrong = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 12; ++j)
      wrong += out[i][j] != x[j / 3][j % 3] + row[i];
  printf("unflatten: %s (%d wrong)\n", wrong ? "MISMATCH" : "ok", wrong);
  return wrong != 0;
}
