// Runs the compiled `tiny_step` on fixed inputs and checks every result
// against the same step computed here in double precision.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { B = 32, D = 64 };

void tiny_step(void **buffers);
extern const char tiny_step_signature[];

static float w1[D][D], b1[D], w2[D], x[B][D], y[B];
static float w1_out[D][D], b1_out[D], w2_out[D], loss_out;
static uint8_t overflow_out = 7;

static double h[B][D], a[B][D], p[B], dp[B], dh[B][D];

static int report(const char *name, const float *got, const double *want,
                  int n) {
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    double err = fabs(got[i] - want[i]) / (fabs(want[i]) + 1e-3);
    if (err > worst)
      worst = err;
  }
  printf("%s: %s\n", name, worst < 1e-4 ? "ok" : "MISMATCH");
  return worst < 1e-4;
}

int main(void) {
  for (int i = 0; i < D; ++i) {
    for (int j = 0; j < D; ++j)
      w1[i][j] = (float)(((i * 7 + j * 3) % 13) - 6) / 32.0f;
    b1[i] = (float)((i % 5) - 2) / 8.0f;
    w2[i] = (float)(((i * 5) % 9) - 4) / 16.0f;
  }
  for (int i = 0; i < B; ++i) {
    for (int j = 0; j < D; ++j)
      x[i][j] = (float)(((i * 3 + j * 11) % 17) - 8) / 8.0f;
    y[i] = (float)((i % 7) - 3) / 4.0f;
  }

  void *buffers[] = {w1, b1, w2, x, y, w1_out, b1_out, w2_out, &loss_out,
                     &overflow_out};
  tiny_step(buffers);

  // The same step in double precision.
  double loss = 0, w1_ref[D][D], b1_ref[D], w2_ref[D];
  for (int i = 0; i < B; ++i) {
    p[i] = 0;
    for (int j = 0; j < D; ++j) {
      h[i][j] = b1[j];
      for (int k = 0; k < D; ++k)
        h[i][j] += (double)x[i][k] * w1[k][j];
      a[i][j] = h[i][j] > 0 ? h[i][j] : 0;
      p[i] += a[i][j] * w2[j];
    }
    loss += (p[i] - y[i]) * (p[i] - y[i]) / B;
    dp[i] = 2 * (p[i] - y[i]) / B;
  }
  for (int j = 0; j < D; ++j) {
    double dw2 = 0, db1 = 0;
    for (int i = 0; i < B; ++i) {
      dw2 += a[i][j] * dp[i];
      dh[i][j] = a[i][j] > 0 ? dp[i] * w2[j] : 0;
      db1 += dh[i][j];
    }
    w2_ref[j] = w2[j] - 0.5 * dw2;
    b1_ref[j] = b1[j] - 0.5 * db1;
  }
  for (int k = 0; k < D; ++k)
    for (int j = 0; j < D; ++j) {
      double dw1 = 0;
      for (int i = 0; i < B; ++i)
        dw1 += x[i][k] * dh[i][j];
      w1_ref[k][j] = w1[k][j] - 0.5 * dw1;
    }

  report("w1", &w1_out[0][0], &w1_ref[0][0], D * D);
  report("b1", b1_out, b1_ref, D);
  report("w2", w2_out, w2_ref, D);
  report("loss", &loss_out, &loss, 1);
  printf("loss = %.4f\n", loss_out);
  printf("overflow = %d\n", overflow_out);
  printf("signature: %.70s\n", tiny_step_signature);

  // An infinite target makes every gradient non-finite: the step is
  // skipped and the parameters come back bit for bit.
  y[0] = INFINITY;
  tiny_step(buffers);
  printf("skipped: overflow = %d, w1 %s, b1 %s, w2 %s\n", overflow_out,
         memcmp(w1_out, w1, sizeof w1) ? "changed" : "unchanged",
         memcmp(b1_out, b1, sizeof b1) ? "changed" : "unchanged",
         memcmp(w2_out, w2, sizeof w2) ? "changed" : "unchanged");
  return 0;
}
