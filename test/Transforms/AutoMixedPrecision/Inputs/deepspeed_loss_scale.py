"""Checks the per-step loss scale of an mpt-run metrics file against
DeepSpeed's dynamic loss scaler.

The model below restates the rule of DeepSpeed's
`DynamicLossScaler.update_scale` (deepspeed/runtime/fp16/loss_scaler.py)
with its default `consecutive_hysteresis=False`: `delayed_shift` (our
`hysteresis`) overflows in a row are needed before the scale backs off,
a back-off does not refill that tolerance, and only a growth (after
`scale_window` steps without overflow) does. DeepSpeed grows and shrinks by
one `scale_factor`; the run must use growth-factor = 1 / backoff-factor and
keep the scale inside [min-scale, max-scale] (DeepSpeed has no maximum).

usage: deepspeed_loss_scale.py METRICS.csv --inject=3,4 --init=1024
           --factor=2 --window=4 --hysteresis=2 [--min-scale=1]
Prints "matches DeepSpeed: N steps" or the first step that differs.
"""

import argparse
import csv
import sys


class DeepSpeedDynamicLossScaler:
    def __init__(self, init_scale, scale_factor, scale_window, min_scale,
                 delayed_shift):
        self.cur_scale = init_scale
        self.scale_factor = scale_factor
        self.scale_window = scale_window
        self.min_scale = min_scale
        self.delayed_shift = delayed_shift
        self.cur_hysteresis = delayed_shift
        self.cur_iter = 0
        self.last_overflow_iter = -1

    def update_scale(self, overflow):
        if overflow:
            if self.delayed_shift == 1 or self.cur_hysteresis == 1:
                self.cur_scale = max(self.cur_scale / self.scale_factor,
                                     self.min_scale)
            else:
                self.cur_hysteresis -= 1
            self.last_overflow_iter = self.cur_iter
        elif (self.cur_iter - self.last_overflow_iter) % self.scale_window == 0:
            self.cur_hysteresis = self.delayed_shift
            self.cur_scale *= self.scale_factor
        self.cur_iter += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("metrics")
    parser.add_argument("--inject", default="")
    parser.add_argument("--init", type=float, required=True)
    parser.add_argument("--factor", type=float, required=True)
    parser.add_argument("--window", type=int, required=True)
    parser.add_argument("--hysteresis", type=int, required=True)
    parser.add_argument("--min-scale", type=float, default=1.0)
    args = parser.parse_args()

    injected = {int(s) for s in args.inject.split(",") if s}
    with open(args.metrics) as f:
        rows = list(csv.DictReader(f))
    skipped = {int(r["step"]) for r in rows if r["skipped"] == "1"}
    if skipped != injected:
        print("skipped steps %s are not the injected %s"
              % (sorted(skipped), sorted(injected)))
        return 1

    scaler = DeepSpeedDynamicLossScaler(args.init, args.factor, args.window,
                                        args.min_scale, args.hysteresis)
    for row in rows:
        step = int(row["step"])
        used = float(row["loss_scale"])
        if used != scaler.cur_scale:
            print("step %d: loss scale %g, DeepSpeed's rule gives %g"
                  % (step, used, scaler.cur_scale))
            return 1
        scaler.update_scale(step in injected)
    print("matches DeepSpeed: %d steps" % len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
