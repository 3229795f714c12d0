"""The random models of utils/model-fuzz.py.

generate(seed) builds an nn.Module from the ops mpt-import supports
(docs/import.md): a stack of blocks on a vector, a sequence or an image
(or token ids through an embedding; some images are volumes through a
3-D stem), each block chosen by the shape it reads, then a linear head; the data, the loss, the optimizer and its
hyperparameters, the batch size and the ONNX opset. One seed in ten may
add an op mpt-import does not support.
"""

import math
import random

import numpy as np
import torch
from torch import nn


class Apply(nn.Module):
    """A function of the activation, with the modules it uses."""

    def __init__(self, function, **modules):
        super().__init__()
        self.function = function
        for name, module in modules.items():
            self.add_module(name, module)

    def forward(self, x):
        return self.function(self, x)


class Sequence(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


def activation(rng):
    """A random supported activation: (name, module)."""
    choices = [
        ("relu", nn.ReLU()),
        ("gelu", nn.GELU()),
        ("gelu-tanh", nn.GELU(approximate="tanh")),
        ("tanh", nn.Tanh()),
        ("sigmoid", nn.Sigmoid()),
        ("silu", nn.SiLU()),
        ("softmax", nn.Softmax(dim=-1)),
        ("log-softmax", nn.LogSoftmax(dim=-1)),
        ("leaky-relu", nn.LeakyReLU(0.1)),
        ("elu", nn.ELU()),
        ("selu", nn.SELU()),
        ("hardtanh", nn.Hardtanh()),
        ("relu6", nn.ReLU6()),
        ("softplus", nn.Softplus()),
        ("hardsigmoid", nn.Hardsigmoid()),
        ("hardswish", nn.Hardswish()),
        ("mish", nn.Mish()),
        ("softsign", nn.Softsign()),
        ("prelu", nn.PReLU()),
        ("abs", Apply(lambda m, x: torch.abs(x))),
    ]
    return rng.choice(choices)


# Reductions and scans of the last dim that keep its width: CumSum
# (forward, and reversed through flips), Max against the reversed vector
# (ties in the middle of an odd width, whose cotangent PyTorch splits
# evenly), ReduceLogSumExp, ReduceMin, and Min against a constant.
REDUCTIONS = [
    ("cumsum", Apply(lambda m, x: torch.cumsum(x, dim=-1)), True),
    ("reverse-cumsum", Apply(lambda m, x: torch.flip(torch.cumsum(torch.flip(x, [-1]), -1), [-1])),
     True),
    ("maximum(x,flip)", Apply(lambda m, x: torch.maximum(x, torch.flip(x, dims=[-1]))), True),
    ("x-logsumexp", Apply(lambda m, x: x - torch.logsumexp(x, -1, keepdim=True)), True),
    ("x*amin", Apply(lambda m, x: x * x.amin(-1, keepdim=True)), True),
    ("minimum(x,0.5)", Apply(lambda m, x: torch.minimum(x, torch.full_like(x, 0.5))), True),
]


# Rarer vector ops, at most one in a model (in one model in ten, unless
# `rare_rate` says otherwise): the activations PyTorch exports as Celu,
# Shrink and Sign, a flip (a Slice with a negative step), conditions
# computed by the step (torch.where, a threshold, masks as factors,
# masked_fill), one of REDUCTIONS, and an op of order and selection: a
# sort, top-k values with an argmax gather, or one that mpt-import rejects
# (Mod, as fmod), whose clear import error is then the expected outcome.
# Each is (name, module, supported).
def rare_vector(rng, width):
    small = width % 2 == 0
    choice = rng.choice(
        [
            ("celu", nn.CELU(0.5 if small else 2.0), True),
            ("hardshrink", nn.Hardshrink(0.1 if small else 0.5), True),
            ("softshrink", nn.Softshrink(0.1 if small else 0.5), True),
            ("x*sign", Apply(lambda m, x: x * torch.sign(x)), True),
            ("where(x>0)", Apply(lambda m, x: torch.where(x > 0, x, 0.1 * x)), True),
            # nn.Threshold's semantics (PyTorch 1.13 exports only a zero
            # threshold): masked_fill, a Where.
            ("threshold", Apply(lambda m, x: x.masked_fill(x <= 0.1, -0.5)), True),
            ("x*(x<1)", Apply(lambda m, x: x * (x < 1.0).float()), True),
            ("masked_fill(|x|>2)", Apply(lambda m, x: x.masked_fill(x.abs() > 2, 0.0)), True),
            ("reductions", None, True),
            ("flip", Apply(lambda m, x: torch.flip(x, dims=[-1])), True),
            ("order", None, True),
        ]
    )
    if choice[0] == "order":
        return rng.choice(
            [
                ("sort", Apply(lambda m, x: torch.sort(x, dim=-1).values), True),
                ("topk", Apply(lambda m, x: 0.5 * x
                               + x.topk(min(2, width)).values.mean(-1, keepdim=True)
                               - x.topk(1, largest=False).values
                               + torch.gather(x, -1, x.argmax(-1, keepdim=True))), True),
                # A product over a dim computed by the step (ReduceProd).
                ("prod", Apply(lambda m, x: x * x.prod(-1, keepdim=True)), True),
            ]
        )
    return rng.choice(REDUCTIONS) if choice[0] == "reductions" else choice


class Generator:
    """Builds a random model; `parts` records its architecture."""

    def __init__(self, rng, allow_rare):
        self.rng = rng
        self.parts = []
        self.rare = False
        self.unsupported = []
        self.allow_rare = allow_rare
        # The batch size: batch norm needs more than one value per channel.
        self.batch = 1

    def width(self, low=2, high=12):
        # Now and then a wide layer, for the vectorized kernels' remainders.
        if self.rng.random() < 0.1:
            return self.rng.choice([17, 24, 33, 40, 65])
        return self.rng.randint(low, high)

    def maybe_rare(self, blocks, shape):
        if not self.allow_rare or self.rare or shape[0] == "img":
            return
        name, module, supported = rare_vector(self.rng, shape[-1])
        self.rare = True
        if not supported:
            self.unsupported.append(name)
        self.parts.append(name + ("" if supported else "!"))
        blocks.append(module)

    # Each block builder takes the activation's shape (without the batch
    # dim) and returns (module, new shape).
    def vector_block(self, shape):
        rng, (_, f) = self.rng, shape
        kind = rng.choice(
            ["linear", "linear", "act", "layernorm", "residual", "gate", "concat", "slice",
             "scale", "square", "center", "to-seq", "split", "glu", "elementwise", "dropout0",
             "batch-center", "weight-matmul", "batchnorm"]
        )
        if kind == "linear":
            g, bias = self.width(), rng.random() < 0.8
            self.parts.append(f"linear{f}x{g}" + ("" if bias else "-nobias"))
            return nn.Linear(f, g, bias=bias), ("vec", g)
        if kind == "act":
            name, module = activation(rng)
            self.parts.append(name)
            return module, shape
        if kind == "layernorm":
            affine = rng.random() < 0.8
            self.parts.append("layernorm" + ("" if affine else "-noaffine"))
            return nn.LayerNorm(f, elementwise_affine=affine), shape
        if kind == "batchnorm" and self.batch > 1:
            affine = rng.random() < 0.8
            self.parts.append("batchnorm1d" + ("" if affine else "-noaffine"))
            return nn.BatchNorm1d(f, affine=affine), shape
        if kind == "residual":
            name, act = activation(rng)
            self.parts.append(f"residual(linear,{name})")
            return Apply(lambda m, x: x + m.act(m.fc(x)), fc=nn.Linear(f, f), act=act), shape
        if kind == "gate":
            g = self.width()
            self.parts.append(f"gate{g}")
            return (
                Apply(lambda m, x: m.a(x) * torch.sigmoid(m.b(x)), a=nn.Linear(f, g), b=nn.Linear(f, g)),
                ("vec", g),
            )
        if kind == "concat":
            g, h = self.width(1, 6), self.width(1, 6)
            self.parts.append(f"concat({g},{h})")
            return (
                Apply(lambda m, x: torch.cat([m.a(x), torch.tanh(m.b(x))], dim=-1),
                      a=nn.Linear(f, g), b=nn.Linear(f, h)),
                ("vec", g + h),
            )
        if kind == "slice" and f >= 2:
            start = rng.randint(0, f - 2)
            stop = rng.randint(start + 1, f)
            self.parts.append(f"slice[{start}:{stop}]")
            return Apply(lambda m, x: x[:, start:stop]), ("vec", stop - start)
        if kind == "scale":
            c = round(rng.uniform(0.25, 2.0), 3)
            divide = rng.random() < 0.5
            self.parts.append(("div" if divide else "mul") + str(c))
            return Apply(lambda m, x: x / c if divide else x * c - 0.5), shape
        if kind == "square":
            self.parts.append("x*x")
            return Apply(lambda m, x: x * x * 0.5), shape
        if kind == "center":
            self.parts.append("center")
            return Apply(lambda m, x: x - x.mean(dim=-1, keepdim=True)), shape
        if kind == "split" and f >= 2:
            k = rng.randint(1, f - 1)
            self.parts.append(f"split({k},{f - k})")
            return Apply(lambda m, x: swap_halves(x, k)), shape
        if kind == "glu" and f % 2 == 0:
            self.parts.append("chunk-glu")
            return Apply(lambda m, x: glu(x)), ("vec", f // 2)
        if kind == "elementwise":
            name, function = rng.choice(ELEMENTWISE)
            self.parts.append(name)
            return Apply(lambda m, x: function(x)), shape
        if kind == "batch-center":
            self.parts.append("x-mean(batch)")
            return Apply(lambda m, x: x - x.mean(dim=0, keepdim=True) * 0.5), shape
        if kind == "weight-matmul":
            g = self.width()
            self.parts.append(f"x@W[{f}x{g}]")
            block = Apply(lambda m, x: torch.matmul(x, m.w))
            block.w = nn.Parameter(torch.randn(f, g) / math.sqrt(f))
            return block, ("vec", g)
        if kind == "dropout0":
            self.parts.append("dropout(p=0)")
            return nn.Dropout(0.0), shape
        if kind == "to-seq":
            divisors = [t for t in range(2, f + 1) if f % t == 0 and f // t >= 1]
            if divisors:
                t = rng.choice(divisors)
                self.parts.append(f"reshape({t},{f // t})")
                return Apply(lambda m, x: x.reshape(x.shape[0], t, f // t)), ("seq", t, f // t)
        g = self.width()
        self.parts.append(f"linear{f}x{g}")
        return nn.Linear(f, g), ("vec", g)

    def sequence_block(self, shape):
        rng, (_, t, d) = self.rng, shape
        kind = rng.choice(
            ["linear", "act", "layernorm", "attention", "encoder", "mix-time", "residual",
             "mean", "sum", "max", "flatten", "matmul-self", "mha", "encoder-time-first",
             "softmax-time", "concat-time", "causal-attention", "causal-encoder", "positions",
             "time-scale", "tied", "lstm", "gru", "conv1d", "pool1d"]
        )
        if kind == "conv1d":
            # Over time, channels first as Conv1d wants them.
            e, k = self.width(1, 8), rng.randint(1, 3)
            padding = rng.randint(0, k - 1) if k > 1 else 0
            stride, dilation = rng.choice([1, 1, 2]), rng.choice([1, 1, 2])
            groups = rng.choice([g for g in (1, 2) if d % g == 0 and e % g == 0])
            span = dilation * (k - 1) + 1
            if t + 2 * padding >= span:
                self.parts.append(f"conv1d{d}->{e}(k{k},s{stride},p{padding},d{dilation},g{groups})")
                conv = nn.Conv1d(d, e, k, stride=stride, padding=padding, dilation=dilation,
                                 groups=groups)
                return (Apply(lambda m, x: m.conv(x.transpose(1, 2)).transpose(1, 2), conv=conv),
                        ("seq", (t + 2 * padding - span) // stride + 1, e))
        if kind == "pool1d" and t >= 2:
            pool, size = self.pool(1, t)
            return Apply(lambda m, x: m.pool(x.transpose(1, 2)).transpose(1, 2),
                         pool=pool), ("seq", size[0], d)
        if kind in ("lstm", "gru"):
            g, layers = self.width(2, 8), rng.choice([1, 1, 2])
            bidirectional = rng.random() < 0.4
            self.parts.append(f"{kind}{d}x{g}(layers={layers}" +
                              (",bidirectional)" if bidirectional else ")"))
            layer = (nn.LSTM if kind == "lstm" else nn.GRU)(
                d, g, num_layers=layers, batch_first=True, bidirectional=bidirectional)
            return Apply(lambda m, x: m.rnn(x)[0], rnn=layer), (
                "seq", t, 2 * g if bidirectional else g)
        if kind == "linear":
            e, bias = self.width(2, 16), rng.random() < 0.8
            self.parts.append(f"linear{d}x{e}" + ("" if bias else "-nobias"))
            return nn.Linear(d, e, bias=bias), ("seq", t, e)
        if kind == "act":
            name, module = activation(rng)
            self.parts.append(name)
            return module, shape
        if kind == "layernorm":
            self.parts.append("layernorm")
            return nn.LayerNorm(d), shape
        if kind == "attention":
            heads = rng.choice([h for h in (1, 2, 4) if d % h == 0])
            # Written with torch.einsum in some models (drawn apart, so that
            # other draws stay as they were).
            einsum = self.formulation.random() < 0.5
            self.parts.append(f"attention(h={heads}{',einsum' if einsum else ''})")
            return Apply(
                lambda m, x: attention(m, x, heads, einsum),
                q=nn.Linear(d, d), k=nn.Linear(d, d), v=nn.Linear(d, d),
            ), shape
        if kind == "encoder" and d % 2 == 0:
            heads = rng.choice([h for h in (1, 2, 4) if d % h == 0])
            ff = self.width(4, 24)
            act = rng.choice(["relu", "gelu"])
            norm_first = rng.random() < 0.5
            self.parts.append(f"encoder(h={heads},ff={ff},{act}{',norm-first' if norm_first else ''})")
            return nn.TransformerEncoderLayer(
                d_model=d, nhead=heads, dim_feedforward=ff, dropout=0.0, activation=act,
                batch_first=True, norm_first=norm_first,
            ), shape
        if kind == "mha":
            heads = rng.choice([h for h in (1, 2, 4) if d % h == 0])
            bias = rng.random() < 0.7
            self.parts.append(f"multihead(h={heads}" + ("" if bias else ",nobias") + ")")
            return Apply(lambda m, x: m.mha(x, x, x, need_weights=False)[0],
                         mha=nn.MultiheadAttention(d, heads, bias=bias, batch_first=True)), shape
        if kind == "encoder-time-first" and d % 2 == 0:
            ff = self.width(4, 16)
            self.parts.append(f"encoder(h=2,ff={ff},time-first)")
            return Apply(lambda m, x: m.layer(x.transpose(0, 1)).transpose(0, 1),
                         layer=nn.TransformerEncoderLayer(d, 2, ff, dropout=0.0)), shape
        if kind == "softmax-time":
            log = rng.random() < 0.5
            self.parts.append(("log-" if log else "") + "softmax(time)")
            return (nn.LogSoftmax(dim=1) if log else nn.Softmax(dim=1)), shape
        if kind == "concat-time":
            self.parts.append("concat(time)")
            return Apply(lambda m, x: torch.cat([x, torch.tanh(m.fc(x))], dim=1),
                         fc=nn.Linear(d, d)), ("seq", 2 * t, d)
        if kind == "causal-attention":
            self.parts.append("causal-attention(masked_fill)")
            block = Apply(lambda m, x: causal_attention(m, x), q=nn.Linear(d, d))
            block.register_buffer("mask", torch.triu(torch.ones(t, t, dtype=torch.bool), 1))
            return block, shape
        if kind == "causal-encoder" and d % 2 == 0:
            ff = self.width(4, 16)
            self.parts.append(f"encoder(h=2,ff={ff},causal-mask)")
            block = Apply(lambda m, x: m.layer(x, src_mask=m.mask),
                          layer=nn.TransformerEncoderLayer(d, 2, ff, dropout=0.0, batch_first=True))
            block.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(t))
            return block, shape
        if kind == "positions":
            self.parts.append("positions(buffer)")
            block = Apply(lambda m, x: x + m.table)
            position = torch.arange(t, dtype=torch.float32)[:, None]
            frequency = torch.exp(-torch.arange(d, dtype=torch.float32) / d)
            block.register_buffer("table", torch.sin(position * frequency))
            return block, shape
        if kind == "time-scale":
            self.parts.append("x*p[time,1]")
            block = Apply(lambda m, x: x * m.p)
            block.p = nn.Parameter(torch.rand(t, 1) + 0.5)
            return block, shape
        if kind == "tied":
            name, act = activation(rng)
            self.parts.append(f"tied(linear,{name},linear)")
            return Apply(lambda m, x: m.fc(m.act(m.fc(x))), fc=nn.Linear(d, d), act=act), shape
        if kind == "mix-time":
            u = self.width(1, 6)
            self.parts.append(f"mix-time{t}x{u}")
            return Apply(lambda m, x: m.fc(x.transpose(1, 2)).transpose(1, 2), fc=nn.Linear(t, u)), (
                "seq", u, d)
        if kind == "residual":
            name, act = activation(rng)
            self.parts.append(f"residual(linear,{name})")
            return Apply(lambda m, x: x + m.act(m.fc(x)), fc=nn.Linear(d, d), act=act), shape
        if kind == "mean":
            self.parts.append("mean(time)")
            return Apply(lambda m, x: x.mean(dim=1)), ("vec", d)
        if kind == "sum":
            self.parts.append("sum(time)")
            return Apply(lambda m, x: x.sum(dim=1) * 0.5), ("vec", d)
        if kind == "max":
            self.parts.append("max(time)")
            return Apply(lambda m, x: x.max(dim=1).values), ("vec", d)
        if kind == "matmul-self":
            self.parts.append("x@xT@x")
            return Apply(lambda m, x: torch.matmul(torch.matmul(x, x.transpose(-1, -2)), x) * 0.1), shape
        self.parts.append("flatten")
        return nn.Flatten(), ("vec", t * d)

    def image_block(self, shape):
        rng, (_, c, h, w) = self.rng, shape
        kind = rng.choice(["conv", "conv", "pool", "act", "residual-conv", "gap", "flatten",
                           "to-seq", "mean-hw", "concat-channels", "batchnorm", "upconv",
                           "groupnorm", "instancenorm"])
        if kind == "groupnorm" and h * w > 1:
            groups = rng.choice([g for g in (1, 2, 3) if c % g == 0])
            self.parts.append(f"groupnorm({groups},{c})")
            return nn.GroupNorm(groups, c), shape
        if kind == "instancenorm" and h * w > 1:
            affine = rng.random() < 0.6
            self.parts.append("instancenorm2d" + ("" if affine else "-noaffine"))
            return nn.InstanceNorm2d(c, affine=affine), shape
        if kind == "batchnorm" and self.batch * h * w > 1:
            self.parts.append("batchnorm2d")
            return nn.BatchNorm2d(c), shape
        if kind == "upconv" and h * w <= 36:
            out, stride = self.width(1, 4), rng.choice([1, 2])
            k, padding = rng.choice([(2, 0), (3, 1)])
            output_padding = rng.choice([0, stride - 1])
            self.parts.append(f"convtranspose{c}->{out}(k{k},s{stride},p{padding},op{output_padding})")
            size = lambda n: (n - 1) * stride - 2 * padding + k + output_padding
            return (nn.ConvTranspose2d(c, out, k, stride=stride, padding=padding,
                                       output_padding=output_padding),
                    ("img", out, size(h), size(w)))
        if kind == "conv":
            k = rng.randint(1, 3)
            padding = rng.randint(0, k - 1) if k > 1 else 0
            stride = rng.choice([1, 1, 2])
            dilation = rng.choice([1, 1, 1, 2])
            groups = rng.choice([g for g in (1, 2, 3) if c % g == 0])
            out = groups * rng.randint(1, 4)
            span = dilation * (k - 1) + 1
            if h + 2 * padding >= span and w + 2 * padding >= span:
                bias = rng.random() < 0.8
                self.parts.append(
                    f"conv{c}->{out}(k{k},s{stride},p{padding},d{dilation},g{groups}"
                    + ("" if bias else ",nobias") + ")")
                conv = nn.Conv2d(c, out, k, stride=stride, padding=padding, dilation=dilation,
                                 groups=groups, bias=bias)
                size = lambda n: (n + 2 * padding - span) // stride + 1  # noqa: E731
                return conv, ("img", out, size(h), size(w))
        if kind == "pool" and min(h, w) >= 2:
            pool, (oh, ow) = self.pool(2, h, w)
            return pool, ("img", c, oh, ow)
        if kind == "act":
            name, module = activation(rng)
            if name in ("softmax", "log-softmax"):
                name, module = "relu", nn.ReLU()
            self.parts.append(name)
            return module, shape
        if kind == "residual-conv":
            self.parts.append("residual(conv3x3,relu)")
            return Apply(lambda m, x: x + torch.relu(m.conv(x)), conv=nn.Conv2d(c, c, 3, padding=1)), shape
        if kind == "gap":
            self.parts.append("global-avgpool")
            return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()), ("vec", c)
        if kind == "mean-hw":
            self.parts.append("mean(h,w)")
            return Apply(lambda m, x: x.mean(dim=(2, 3))), ("vec", c)
        if kind == "concat-channels":
            self.parts.append("concat(channels)")
            return Apply(lambda m, x: torch.cat([x, torch.relu(m.conv(x))], dim=1),
                         conv=nn.Conv2d(c, 2, 3, padding=1)), ("img", c + 2, h, w)
        if kind == "to-seq":
            self.parts.append("pixels-as-seq")
            return Apply(lambda m, x: x.flatten(2).transpose(1, 2)), ("seq", h * w, c)
        self.parts.append("flatten")
        return nn.Flatten(), ("vec", c * h * w)

    def volume_stem(self, rng, shape, depth):
        """One to three 3-D layers on an (N, C, D, H, W) volume of `depth`
        planes of the image `shape`, drawn from `rng`, then the depth folded
        away (a mean, or into the channels); returns the stem and the image
        shape it gives."""
        c, d, h, w = shape[1], depth, shape[2], shape[3]
        layers = []
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["conv3d", "conv3d", "pool3d", "norm3d", "upconv3d", "act"])
            if kind == "conv3d":
                k = tuple(rng.randint(1, 3) for _ in range(3))
                padding = tuple(rng.randint(0, n - 1) for n in k)
                stride = tuple(rng.choice([1, 1, 2]) for _ in range(3))
                dilation = (rng.choice([1, 1, 2]), 1, 1)
                groups = rng.choice([g for g in (1, 2) if c % g == 0])
                out = groups * rng.randint(1, 3)
                span = [dl * (n - 1) + 1 for dl, n in zip(dilation, k)]
                sizes = (d, h, w)
                if all(n + 2 * p >= s for n, p, s in zip(sizes, padding, span)):
                    self.parts.append(f"conv3d{c}->{out}(k{k},s{stride},p{padding},d{dilation},g{groups})"
                                      .replace(" ", ""))
                    layers.append(nn.Conv3d(c, out, k, stride=stride, padding=padding,
                                            dilation=dilation, groups=groups))
                    c = out
                    d, h, w = ((n + 2 * p - s) // st + 1
                               for n, p, s, st in zip(sizes, padding, span, stride))
                    continue
            if kind == "pool3d" and min(d, h, w) >= 2:
                pool, (d, h, w) = self.pool(3, d, h, w, rng=rng)
                layers.append(pool)
                continue
            if kind == "norm3d":
                if self.batch * d * h * w > 1 and rng.random() < 0.5:
                    self.parts.append("batchnorm3d")
                    layers.append(nn.BatchNorm3d(c))
                    continue
                if d * h * w > 1:
                    self.parts.append("instancenorm3d")
                    layers.append(nn.InstanceNorm3d(c, affine=True))
                    continue
            if kind == "upconv3d" and d * h * w <= 64:
                out, stride = rng.randint(1, 3), rng.choice([1, 2])
                k, padding = rng.choice([(2, 0), (3, 1)])
                output_padding = rng.choice([0, stride - 1])
                self.parts.append(f"convtranspose3d{c}->{out}(k{k},s{stride},p{padding},"
                                  f"op{output_padding})")
                layers.append(nn.ConvTranspose3d(c, out, k, stride=stride, padding=padding,
                                                 output_padding=output_padding))
                c = out
                d, h, w = ((n - 1) * stride - 2 * padding + k + output_padding for n in (d, h, w))
                continue
            self.parts.append("relu")
            layers.append(nn.ReLU())
        if rng.random() < 0.5:
            self.parts.append("mean(depth)")
            layers.append(Apply(lambda m, x: x.mean(2)))
            return nn.Sequential(*layers), ("img", c, h, w)
        self.parts.append("depth-into-channels")
        # The sizes spelled out: exported with a batch of unknown size, a
        # flatten's (or a -1's) channels would be unknown too.
        layers.append(Apply(lambda m, x, shape=(c * d, h, w): x.reshape(x.shape[0], *shape)))
        return nn.Sequential(*layers), ("img", c * d, h, w)

    def pool(self, dims, *sizes, rng=None):
        """A max or average pool over `dims` spatial dims of `sizes`, now and
        then in ceil_mode, drawn from `rng` (the generator's by default);
        returns it and the output sizes."""
        rng = rng or self.rng
        k = rng.randint(2, min(3, *sizes))
        stride = rng.randint(1, k)
        padding = rng.randint(0, k // 2)
        ceil = rng.random() < 0.3
        is_max = rng.random() < 0.5
        include = not is_max and rng.random() < 0.5

        def size(n, pad, ceil):
            out = -(-(n + 2 * pad - k) // stride) + 1 if ceil else (n + 2 * pad - k) // stride + 1
            # PyTorch's rule: the last window starts inside the input or
            # its leading padding.
            return out - 1 if ceil and (out - 1) * stride >= n + pad else out

        # PyTorch exports an average pool that counts its padding as a Pad
        # and then the pool; with ceil_mode, ONNX then keeps a last window
        # that PyTorch drops, so the export does not compute the module.
        if include and padding and ceil and any(
                size(n, padding, True) != size(n + 2 * padding, 0, True) for n in sizes):
            ceil = False
        name = ("maxpool" if is_max else "avgpool") + f"{dims}d(k{k},s{stride},p{padding}"
        name += (",count-pad" if include and padding else "") + (",ceil" if ceil else "") + ")"
        self.parts.append(name)
        kind = {(1, True): nn.MaxPool1d, (2, True): nn.MaxPool2d, (3, True): nn.MaxPool3d,
                (1, False): nn.AvgPool1d, (2, False): nn.AvgPool2d,
                (3, False): nn.AvgPool3d}[dims, is_max]
        options = {} if is_max else {"count_include_pad": include}
        pool = kind(k, stride=stride, padding=padding, ceil_mode=ceil, **options)
        return pool, tuple(size(n, padding, ceil) for n in sizes)

    def block(self, shape):
        if shape[0] == "vec":
            return self.vector_block(shape)
        if shape[0] == "seq":
            return self.sequence_block(shape)
        return self.image_block(shape)


ELEMENTWISE = [
    ("log(1+exp)", lambda x: torch.log(torch.exp(x) + 1.0)),
    ("sqrt(x*x+1)", lambda x: torch.sqrt(x * x + 1.0)),
    ("x^3", lambda x: torch.pow(x, 3.0) * 0.1),
    ("1/(1+x*x)", lambda x: torch.reciprocal(x * x + 1.0)),
    ("x/(1+|x|)", lambda x: x / (torch.sqrt(x * x) + 1.0)),
    ("-x", lambda x: -x),
    ("erf", lambda x: torch.erf(x)),
]


def assignment(rng, f):
    """An in-place assignment into a copy of the last dim of `f` features,
    which PyTorch exports as ScatterND: (name, module)."""
    a, b = rng.sample(range(f), 2)
    kind = rng.choice(["column", "block", "strided", "list", "add"])
    if kind == "column":
        c = round(rng.uniform(0.25, 2.0), 3)

        def forward(m, x):
            y = x.clone()
            y[..., a] = x[..., b] * c
            return y
        return f"x[...,{a}]={c}*x[...,{b}]", Apply(forward)
    if kind == "block":
        start = rng.randint(0, f - 2)
        stop = rng.randint(start + 1, f)
        c = round(rng.uniform(-1.0, 1.0), 3)

        def forward(m, x):
            y = x.clone()
            y[..., start:stop] = c
            return y
        return f"x[...,{start}:{stop}]={c}", Apply(forward)
    if kind == "strided":
        step = rng.randint(2, 3)
        count = len(range(a, f, step))

        def forward(m, x):
            y = x.clone()
            y[..., a::step] = torch.tanh(x[..., :count])
            return y
        return f"x[...,{a}::{step}]=tanh(x[...,:{count}])", Apply(forward)
    positions = rng.sample(range(f), rng.randint(1, f))
    sources = [rng.randrange(f) for _ in positions]
    # A list index after `...` does not export (PyTorch 1.13): the leading
    # dims as `:`.
    last = lambda x, index: (slice(None),) * (x.dim() - 1) + (index,)  # noqa: E731
    if kind == "list":
        def forward(m, x):
            y = x.clone()
            y[last(x, positions)] = torch.sigmoid(x[last(x, sources)])
            return y
        return f"x[...,{positions}]=sigmoid(x[...,{sources}])", Apply(forward)

    def forward(m, x):
        y = x.clone()
        y[last(x, positions)] += x[last(x, sources)] * 0.5
        return y
    return f"x[...,{positions}]+=x[...,{sources}]/2", Apply(forward)


def computed_assignment(rng):
    """An assignment at positions the model computes, into a copy of vector
    features (each row's argmax or argmin; ScatterND with computed indices,
    and GatherND for `+=`): (name, module)."""
    c = round(rng.uniform(-1.0, 1.0), 3)
    if rng.random() < 0.5:
        def forward(m, x):
            y = x.clone()
            y[torch.arange(x.shape[0]), x.argmax(-1)] = c
            return y
        return f"x[rows,argmax]={c}", Apply(forward)

    def forward(m, x):
        y = x.clone()
        y[torch.arange(x.shape[0]), x.argmin(-1)] += x.mean(-1) * c
        return y
    return f"x[rows,argmin]+={c}*mean(x)", Apply(forward)


def swap_halves(x, k):
    """torch.split into sizes k and the rest, joined the other way round."""
    a, b = torch.split(x, [k, x.shape[-1] - k], dim=-1)
    return torch.cat([b, a * 0.5], dim=-1)


def glu(x):
    a, b = x.chunk(2, dim=-1)
    return a * torch.sigmoid(b)


def causal_attention(m, x):
    """Single-head attention to earlier positions, masked with masked_fill."""
    scores = torch.matmul(m.q(x), x.transpose(1, 2)) / math.sqrt(x.shape[-1])
    weights = torch.softmax(scores.masked_fill(m.mask, float("-inf")), dim=-1)
    return torch.matmul(weights, x)


def attention(m, x, heads, einsum=False):
    batch, time, width = x.shape
    if einsum:
        # Heads as a label of their own: no transposes in the model.
        split = lambda y: y.reshape(batch, time, heads, width // heads)  # noqa: E731
        q, k, v = split(m.q(x)), split(m.k(x)), split(m.v(x))
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(width // heads)
        out = torch.einsum("bhqk,bkhd->bqhd", torch.softmax(scores, dim=-1), v)
        return out.reshape(batch, time, width)
    split = lambda y: y.reshape(batch, time, heads, width // heads).transpose(1, 2)  # noqa: E731
    q, k, v = split(m.q(x)), split(m.k(x)), split(m.v(x))
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(width // heads)
    out = torch.matmul(torch.softmax(scores, dim=-1), v)
    return out.transpose(1, 2).reshape(batch, time, width)


def generate(seed, rare_rate=0.1):
    """The random case of a seed: a dict with the model, its data and how
    to train it; `rare_rate` is the share of models that may have one of
    the rarer vector ops."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    data_rng = np.random.default_rng(seed)
    gen = Generator(rng, allow_rare=rng.random() < rare_rate)
    gen.formulation = random.Random(f"formulation-{seed}")
    batch = rng.choice([1, 2, 3, 4, 5, 8, 16, 32])
    gen.batch = batch
    samples = batch * rng.randint(1, 3)
    # Sometimes samples that fill no batch, which both sides drop.
    if data_rng.random() < 0.3:
        samples += int(data_rng.integers(0, batch))
    blocks = []
    source = rng.choice(["vec", "vec", "seq", "img", "tokens"])
    if source == "vec":
        shape = ("vec", gen.width(2, 12))
        x = data_rng.standard_normal((samples, shape[1]), dtype=np.float32)
    elif source == "seq":
        shape = ("seq", gen.width(1, 6), gen.width(2, 12))
        x = data_rng.standard_normal((samples,) + shape[1:], dtype=np.float32)
    elif source == "img":
        shape = ("img", rng.randint(1, 3), rng.randint(3, 8), rng.randint(3, 8))
        # Some image models take volumes (N, C, D, H, W) through a 3-D stem
        # (drawn apart, so other models keep their draws).
        volume = random.Random(f"volumes-{seed}")
        if volume.random() < 0.25:
            depth = volume.randint(2, 4)
            x = data_rng.standard_normal((samples, shape[1], depth) + shape[2:],
                                         dtype=np.float32)
            stem, shape = gen.volume_stem(volume, shape, depth)
            blocks.append(stem)
        else:
            x = data_rng.standard_normal((samples,) + shape[1:], dtype=np.float32)
    else:
        vocabulary, time, d = gen.width(3, 20), gen.width(1, 6), 2 * gen.width(1, 6)
        x = data_rng.integers(0, vocabulary, (samples, time), dtype=np.int64)
        embedding = nn.Embedding(vocabulary, d)
        # Some token models pad their rows with id 0 at the end and mask
        # the padding out (drawn apart, so other models keep their draws).
        padding = random.Random(f"padding-{seed}")
        if padding.random() < 0.4:
            for row in range(samples):
                x[row, padding.randint(1, time):] = 0
            blocks.append(Apply(lambda m, t: m.table(t) * (t != 0).unsqueeze(-1).float(),
                                table=embedding))
            gen.parts.append(f"masked-embedding{vocabulary}x{d}")
        else:
            blocks.append(embedding)
            gen.parts.append(f"embedding{vocabulary}x{d}")
        # Some add a bag of the same ids to every position (nn.EmbeddingBag,
        # which exports as a Loop over the rows; drawn apart, its weights
        # from their own seed, so other models keep their draws).
        bags = random.Random(f"bags-{seed}")
        if bags.random() < 0.3:
            mode = bags.choice(["mean", "sum", "max"])
            with torch.random.fork_rng():
                torch.manual_seed(bags.randrange(2**31))
                bag = nn.EmbeddingBag(vocabulary, d, mode=mode)
            blocks[-1] = Apply(lambda m, t: m.tokens(t) + m.bag(t).unsqueeze(1),
                               tokens=blocks[-1], bag=bag)
            gen.parts.append(f"bag-{mode}")
        shape = ("seq", time, d)
    gen.parts.insert(0, f"in{list(x.shape[1:])}")
    for _ in range(rng.randint(1, 4)):
        module, shape = gen.block(shape)
        blocks.append(module)
        if rng.random() < 0.3:
            gen.maybe_rare(blocks, shape)
    gen.maybe_rare(blocks, shape)
    # Some models assign into a slice of their features (drawn apart, so
    # other models keep their draws).
    assign = random.Random(f"assignments-{seed}")
    if shape[0] != "img" and shape[-1] >= 2 and assign.random() < 0.2:
        name, module = assignment(assign, shape[-1])
        blocks.append(module)
        gen.parts.append(name)
    # Some vector models assign at positions they compute (drawn apart too).
    computed = random.Random(f"computed-assignments-{seed}")
    if shape[0] == "vec" and shape[-1] >= 2 and computed.random() < 0.1:
        name, module = computed_assignment(computed)
        blocks.append(module)
        gen.parts.append(name)
    # A few models have an op mpt-import does not support (a determinant),
    # which must be a clear import error (drawn apart as well).
    if shape[0] == "vec" and random.Random(f"unsupported-{seed}").random() < 0.03:
        blocks.append(Apply(lambda m, x: x * torch.det(x[:, :1, None]).unsqueeze(-1)))
        gen.parts.append("det!")
        gen.unsupported.append("det")
    loss = rng.choice(["mse", "cross-entropy", "probabilities"])
    if shape[0] == "img":
        blocks.append(nn.Flatten())
        gen.parts.append("flatten")
        shape = ("vec", shape[1] * shape[2] * shape[3])
    width = shape[-1]
    outputs = gen.width(2, 8)
    blocks.append(nn.Linear(width, outputs))
    gen.parts.append(f"linear{width}x{outputs}")
    out_shape = (samples,) + tuple(shape[1:-1]) + (outputs,)
    if loss == "mse":
        y = data_rng.standard_normal(out_shape, dtype=np.float32)
    elif loss == "cross-entropy":
        y = data_rng.integers(0, outputs, out_shape[:-1], dtype=np.int64)
    else:
        logits = data_rng.standard_normal(out_shape)
        y = (np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)).astype(np.float32)
    optimizer = rng.choice(["sgd", "momentum", "adam"])
    hyper = {"lr": rng.choice([0.001, 0.01, 0.05]) if optimizer != "adam"
             else rng.choice([0.0005, 0.001, 0.003])}
    if rng.random() < 0.3:
        hyper["weight_decay"] = rng.choice([1e-4, 1e-2])
    if optimizer == "momentum":
        hyper["momentum"] = rng.choice([0.5, 0.9])
    if optimizer == "adam" and rng.random() < 0.5:
        hyper["beta1"], hyper["beta2"] = rng.choice([(0.8, 0.99), (0.9, 0.95)])
        hyper["epsilon"] = rng.choice([1e-8, 1e-6])
    return {
        "seed": seed,
        "model": Sequence(blocks),
        "x": x,
        "y": y,
        "batch": batch,
        "loss": loss,
        "optimizer": optimizer,
        "hyper": hyper,
        "opset": rng.choice([13, 14, 15, 16, 17]),
        "parts": gen.parts,
        "unsupported": gen.unsupported,
    }
