"""The example models and their data sets, shared by export.py and
reference.py.

Every model is a plain nn.Module that torch.onnx.export (PyTorch 1.13)
exports and mpt-import imports; every data set ships with scikit-learn, so
nothing is downloaded. Inputs are float32 NumPy arrays, or int64 token ids;
targets are what the loss reads: a column of regression targets, or int64
class labels for the cross-entropy loss (what nn.CrossEntropyLoss takes).
"""

import codecs
import contextlib
import io

import numpy as np
import torch
from torch import nn


def diabetes():
    """The 442 diabetes patients: 10 standardised features, and the disease
    progression a year later, standardised."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    x = data.data.astype(np.float32)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = data.target.astype(np.float32)[:, None]
    y = (y - y.mean()) / y.std()
    return x, y


def digits_images():
    """The 1797 8x8 handwritten digits as 1x8x8 images in [0, 1], and their
    labels 0-9."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = data.target.astype(np.int64)
    return x, y


def digits_rows():
    """The digits as sequences of their 8 pixel rows (8 features each)."""
    x, y = digits_images()
    return x[:, 0, :, :], y


ZEN_CONTEXT = 16


def zen_text():
    """The Zen of Python (856 characters), which ships with every Python."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return codecs.decode(this.s, "rot13")


ZEN_VOCABULARY = sorted(set(zen_text()))


def zen_characters():
    """Every window of ZEN_CONTEXT characters of the Zen of Python as token
    ids, and the ids of the characters that follow each one."""
    ids = np.array([ZEN_VOCABULARY.index(c) for c in zen_text()], dtype=np.int64)
    windows = len(ids) - ZEN_CONTEXT
    x = np.stack([ids[i : i + ZEN_CONTEXT] for i in range(windows)])
    y = np.stack([ids[i + 1 : i + ZEN_CONTEXT + 1] for i in range(windows)])
    return x, y


class DiabetesMLP(nn.Module):
    """An MLP regressor: 10 -> 64 -> 64 -> 1 with ReLU."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 64)
        self.fc2 = nn.Linear(64, 64)
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        return self.out(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class DigitsCNN(nn.Module):
    """conv-relu-pool twice, then a linear classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class DigitsBatchNormCNN(nn.Module):
    """conv-batchnorm-relu-pool twice, then a linear classifier: training
    normalises with the batch's statistics and updates the running ones,
    which evaluation (model.eval()) normalises with."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        return self.fc(torch.flatten(x, 1))


class GeluLayerNormMLP(nn.Module):
    """Linear, LayerNorm and exact GELU (which opsets before 17 export
    decomposed: ReduceMean/Sub/Pow/Sqrt/Div and Div/Erf/Add/Mul)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 64)
        self.norm = nn.LayerNorm(64)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(64, 64)
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        return self.out(self.act(self.fc2(self.act(self.norm(self.fc1(x))))))


class DigitsTransformer(nn.Module):
    """A transformer encoder layer over the 8 pixel rows of a digit, mean
    pooled, with a linear classifier."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(8, 16)
        self.encoder = nn.TransformerEncoderLayer(
            d_model=16, nhead=2, dim_feedforward=32, dropout=0.0, batch_first=True
        )
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        return self.head(self.encoder(self.embed(x)).mean(dim=1))


class NextCharacter(nn.Module):
    """An embedding and a linear layer: the logits of the next character
    after each character of a window."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(len(ZEN_VOCABULARY), 32)
        self.out = nn.Linear(32, len(ZEN_VOCABULARY))

    def forward(self, x):
        return self.out(self.embed(x))


# name -> (model class, data set, loss)
MODELS = {
    "diabetes-mlp": (DiabetesMLP, diabetes, "mse"),
    "digits-cnn": (DigitsCNN, digits_images, "cross-entropy"),
    "digits-bn-cnn": (DigitsBatchNormCNN, digits_images, "cross-entropy"),
    "gelu-layernorm-mlp": (GeluLayerNormMLP, diabetes, "mse"),
    "digits-transformer": (DigitsTransformer, digits_rows, "cross-entropy"),
    "next-character": (NextCharacter, zen_characters, "cross-entropy"),
}


def loss_function(kind):
    """The loss of a model's output and its targets, as mpt-import adds it."""
    if kind == "mse":
        return nn.MSELoss()
    cross_entropy = nn.CrossEntropyLoss()

    # Logits of several positions per sample (B x T x V) are rows of their
    # own, as mpt-import flattens them; so are their labels, or their rows of
    # class probabilities (--target=probabilities).
    def loss(output, target):
        classes = output.shape[-1]
        rows = target.reshape(-1) if target.dtype == torch.int64 else target.reshape(-1, classes)
        return cross_entropy(output.reshape(-1, classes), rows)

    return loss
