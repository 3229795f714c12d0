"""Exports a small variational autoencoder (the reparameterisation z = mu +
exp(logvar / 2) * randn_like(mu), a Bernoulli mask of rand_like noise on
its input) to ONNX, writes its data, and prints the first and the last of
the losses in an mpt-run metrics file when given one.

usage: vae.py DIRECTORY | vae.py METRICS.csv"""
import csv
import os
import sys
import warnings

import numpy as np

if sys.argv[1].endswith(".csv"):
    with open(sys.argv[1]) as file:
        losses = [float(row["loss"]) for row in csv.DictReader(file)]
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    print(f"finite: {all(np.isfinite(losses))}")
    print(f"loss falls by half: {last < 0.5 * first}")
    sys.exit(0)

import torch
import torch.nn as nn

warnings.simplefilter("ignore")
torch.manual_seed(0)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(16, 24)
        self.mu = nn.Linear(24, 4)
        self.logvar = nn.Linear(24, 4)
        self.decoder = nn.Sequential(nn.Linear(4, 24), nn.ReLU(), nn.Linear(24, 16))

    def forward(self, x):
        keep = torch.bernoulli(torch.full_like(x, 0.9))
        h = torch.relu(self.encoder(x * keep + 0.01 * torch.rand_like(x)))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decoder(z)


directory = sys.argv[1]
model = VAE()
torch.onnx.export(model, torch.zeros(2, 16), os.path.join(directory, "vae.onnx"),
                  input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=15,
                  do_constant_folding=False, training=torch.onnx.TrainingMode.TRAINING)
rng = np.random.default_rng(0)
codes = rng.standard_normal((256, 4)).astype(np.float32)
x = np.tanh(codes @ rng.standard_normal((4, 16)).astype(np.float32))
np.save(os.path.join(directory, "x.npy"), x)
np.save(os.path.join(directory, "y.npy"), x)
