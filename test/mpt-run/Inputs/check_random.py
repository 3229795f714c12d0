"""Reads the metrics of random.test's runs of one random op (targets 0
and 1, the same draws) and prints what it checks: the samples' mean and
variance per step, and that steps draw anew.

usage: check_random.py ZERO.csv ONE.csv MEAN VARIANCE"""
import csv
import sys


def losses(path):
    with open(path) as file:
        return [float(row["loss"]) for row in csv.DictReader(file)]


zero, one = losses(sys.argv[1]), losses(sys.argv[2])
mean, variance = float(sys.argv[3]), float(sys.argv[4])
# mean((n - 1)^2) = mean(n^2) - 2 mean(n) + 1.
means = [(a - b + 1) / 2 for a, b in zip(zero, one)]
variances = [a - m * m for a, m in zip(zero, means)]
count = 4096
sd_mean = (variance / count) ** 0.5
average = sum(means) / len(means)
spread = sum(variances) / len(variances)
print("mean within 5 sd every step:",
      "yes" if all(abs(m - mean) < 5 * sd_mean for m in means) else "no")
print("average mean within 4 sd:",
      "yes" if abs(average - mean) < 4 * sd_mean / len(means) ** 0.5
      else f"no ({average})")
print("average variance within 3%:",
      "yes" if abs(spread - variance) < 0.03 * variance else f"no ({spread})")
print(f"distinct losses: {len(set(zero))} of {len(zero)}")
