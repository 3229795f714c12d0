"""The check the reference scripts share: the loss of mpt-run's first step
(its metrics CSV) against the loss the ONNX specification's formulas give."""
import csv


def report(metrics, expected, tolerance=1e-5):
    with open(metrics, newline="") as f:
        loss = float(next(csv.DictReader(f))["loss"])
    difference = abs(loss - expected) / expected
    print(f"first loss {loss:.6e}, ONNX's formulas {expected:.6e}: "
          + ("ok" if difference <= tolerance else f"FAIL (relative difference {difference:.1e})"))
