"""Trains small PyTorch models of one group of layers (exported to ONNX,
imported by mpt-import) with mpt-run and with PyTorch through
utils/model-fuzz.py's check: fp32 losses within 1e-4 of PyTorch's per step
and parameters within 1e-3, f16 and bf16 finite and within 5%. Prints one
line per case.

usage: train_vs_torch.py SOURCE_ROOT MPT_IMPORT MPT_RUN GROUP
GROUP: recurrent, batchnorm, reductions, images, conv-transpose,
windows, instancenorm, padding, selection, math, newer-opsets, loops or einsum"""
import importlib.util
import os
import sys
import tempfile
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
from typing import List

root, mpt_import, mpt_run, group = sys.argv[1:5]
spec = importlib.util.spec_from_file_location(
    "model_fuzz", os.path.join(root, "utils", "model-fuzz.py"))
model_fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model_fuzz)
warnings.simplefilter("ignore")
torch.set_num_threads(1)
tools = {"mpt-import": mpt_import, "mpt-run": mpt_run}


class Sequence(nn.Module):
    """A recurrent layer over a flattened sequence, then a linear head on
    the last output, the mean output or the last layer's final state."""

    def __init__(self, steps, features, rnn, width, read):
        super().__init__()
        self.steps, self.features, self.rnn, self.read = steps, features, rnn, read
        self.head = nn.Linear(width, 3)

    def forward(self, x):
        s = x.reshape(x.shape[0], self.steps, self.features)
        if not self.rnn.batch_first:
            s = s.transpose(0, 1)
        y, state = self.rnn(s)
        time = 1 if self.rnn.batch_first else 0
        if self.read == "last":
            return self.head(y.select(time, -1))
        if self.read == "mean":
            return self.head(y.mean(dim=time))
        final = state[0] if isinstance(state, tuple) else state
        return self.head(final[-1])


class Image(nn.Module):
    """Layers over the flattened input reshaped to `shape`, flattened again."""

    def __init__(self, shape, body):
        super().__init__()
        self.shape, self.body = shape, body

    def forward(self, x):
        return self.body(x.reshape(x.shape[0], *self.shape)).flatten(1)


class SharedNorm(nn.Module):
    """One batch norm applied twice per forward pass: its running
    statistics move twice per step, the second time from the first's."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(8, 8)
        self.norm = nn.BatchNorm1d(8, momentum=0.3)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.relu(self.norm(self.inner(x)))
        return self.head(self.norm(h + x))


class Reductions(nn.Module):
    """amin, norm (L2 and L1), logsumexp, maximum (with ties), minimum,
    cumsum (forward and reversed), repeat, a global max pool, triu of a
    computed matrix, and a causal mask built in the forward pass."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(12, 12)
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        # Equal scales: their products tie at first, which splits the
        # cotangent evenly between them.
        self.p, self.q = nn.Parameter(torch.ones(4)), nn.Parameter(torch.ones(4))
        self.head = nn.Linear(3 + 3 + 4 + 4 + 6 + 6 + 12 + 12 + 12 + 24 + 3 + 9 + 9, 3)

    def forward(self, x):
        h = torch.tanh(self.inner(x))
        m = h.reshape(-1, 3, 4)
        scores = m @ m.transpose(1, 2)
        causal = torch.tril(torch.ones(3, 3))
        feats = [
            m.amin(dim=2), torch.norm(m, dim=2), torch.norm(m, p=1, dim=1),
            torch.logsumexp(m, dim=1), torch.maximum(h[:, :6], h[:, 6:]),
            torch.minimum(h[:, :6], 0.5 * h[:, 6:]),
            torch.maximum(m * self.p, m * self.q).flatten(1),
            torch.cumsum(m, dim=1).flatten(1),
            torch.flip(torch.cumsum(torch.flip(m, [2]), 2), [2]).flatten(1),
            m.repeat(1, 2, 1).flatten(1),
            torch.amax(self.conv(x.reshape(-1, 1, 3, 4)), dim=(2, 3)),
            torch.triu(scores, diagonal=1).flatten(1),
            scores.masked_fill(causal == 0, float("-inf")).softmax(-1).flatten(1),
        ]
        return self.head(torch.cat(feats, 1))


class Sinusoids(nn.Module):
    """Sinusoidal features of an input computed by the step (a timestep
    embedding): sin and cos of the input times fixed frequencies."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(6, 2)
        self.head = nn.Linear(16 + 6, 3)

    def forward(self, x):
        frequencies = torch.exp(torch.arange(4) * -0.7)
        angles = (self.inner(x).unsqueeze(-1) * 3.0 * frequencies).flatten(1)
        return self.head(torch.cat([angles.sin(), angles.cos(), x], 1))


class PixelShuffles(nn.Module):
    """pixel_shuffle after a 1x1 convolution (DepthToSpace, mode CRD),
    then pixel_unshuffle (SpaceToDepth)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 16, 1)

    def forward(self, x):
        up = torch.tanh(F.pixel_shuffle(self.conv(x), 2))
        return F.pixel_unshuffle(up * up, 2)


class Paddings(nn.Module):
    """ReflectionPad2d and ReplicationPad2d around convolutions."""

    def __init__(self):
        super().__init__()
        self.first = nn.Conv2d(4, 3, 3)
        self.second = nn.Conv2d(3, 2, 3)

    def forward(self, x):
        h = torch.relu(self.first(nn.ReflectionPad2d((2, 1, 1, 2))(x)))
        return self.second(nn.ReplicationPad2d(1)(h))


class Statistics(nn.Module):
    """F.normalize, cosine similarity, std (unbiased: its count from a
    ReduceProd of dims) and var."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(8, 8)

    def forward(self, x):
        h = self.inner(x)
        return torch.cat([F.normalize(h, dim=-1),
                          F.cosine_similarity(h, x, dim=-1).unsqueeze(-1),
                          h.std(-1, keepdim=True), h.var(-1, unbiased=False, keepdim=True)],
                         -1)


class Tokens(nn.Module):
    """Token ids (0 is padding) through an embedding into `body`, which
    gets the embedded tokens and the ids, then a linear head."""

    def __init__(self, vocabulary, width, body):
        super().__init__()
        self.embedding, self.body = nn.Embedding(vocabulary, width), body
        self.head = nn.Linear(width, 3)

    def forward(self, tokens):
        return self.head(self.body(self.embedding(tokens), tokens))


class MeanOfTokens(nn.Module):
    """The mean of the embeddings that are not padding."""

    def forward(self, embedded, tokens):
        keep = (tokens != 0).float().unsqueeze(-1)
        return (embedded * keep).sum(1) / keep.sum(1).clamp(min=1)


class PositionIds(nn.Module):
    """Position embeddings looked up by torch.arange(T) expanded over the
    batch (an integer Expand, folded at import time)."""

    def __init__(self, steps, width):
        super().__init__()
        self.positions = nn.Embedding(steps, width)

    def forward(self, embedded, tokens):
        ids = torch.arange(tokens.shape[1]).unsqueeze(0).expand(tokens.shape[0], -1)
        return (embedded + self.positions(ids)).tanh().mean(1)


class TokenCounts(nn.Module):
    """The mean of the tokens that are not padding, counted as integers:
    mask.long().sum(), clamped."""

    def forward(self, embedded, tokens):
        keep = tokens != 0
        counts = keep.long().sum(1, keepdim=True).clamp(min=1)
        return (embedded * keep.unsqueeze(-1)).sum(1) / counts


class ExtendedMask(nn.Module):
    """Attention scores with an additive mask made as BERT makes it:
    (1 - mask.long()[:, None, :].float()) * -10000."""

    def forward(self, embedded, tokens):
        mask = (tokens != 0).long()
        additive = (1.0 - mask[:, None, :].float()) * -10000.0
        scores = embedded @ embedded.transpose(1, 2) / 3.0 + additive
        return (scores.softmax(-1) @ embedded).mean(1)


class PaddedAttention(nn.Module):
    """Self-attention that ignores padding keys, averaged over the
    sequence: nn.MultiheadAttention or a whole encoder layer."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, embedded, tokens):
        if isinstance(self.layer, nn.MultiheadAttention):
            y, _ = self.layer(embedded, embedded, embedded,
                              key_padding_mask=tokens == 0, need_weights=False)
        else:
            y = self.layer(embedded, src_key_padding_mask=tokens == 0)
        return y.mean(1)


class MaskedScores(nn.Module):
    """Dot-product attention with masked_fill(-inf) of padding keys and of
    rare tokens (ids above a threshold): integer comparisons broadcast
    against a constant and against the query axis."""

    def forward(self, embedded, tokens):
        scores = embedded @ embedded.transpose(1, 2)
        scores = scores.masked_fill((tokens == 0)[:, None, :], float("-inf"))
        scores = torch.where((tokens > 40)[:, None, :], scores - 1.0, scores)
        return (scores.softmax(-1) @ embedded).mean(1)


class AttentionMask(nn.Module):
    """Attention with an additive mask from a second input, 1 for the
    tokens to attend to (as Hugging Face models take it): unsqueezed,
    converted to float and scaled by f32's lowest value."""

    def __init__(self, vocabulary, width):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.query = nn.Linear(width, width)
        self.head = nn.Linear(width, 3)

    def forward(self, tokens, attention_mask):
        embedded = self.embedding(tokens)
        extended = attention_mask[:, None, :].to(torch.float32)
        extended = (1.0 - extended) * torch.finfo(torch.float32).min
        scores = self.query(embedded) @ embedded.transpose(1, 2) + extended
        return self.head((scores.softmax(-1) @ embedded).mean(1))


class BoolMask(nn.Module):
    """Token ids and a bool mask of the real tokens as two inputs: a mean
    of the embeddings the mask keeps, and a max over time with the padding
    filled with -inf."""

    def __init__(self, vocabulary, width):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.head = nn.Linear(2 * width, 3)

    def forward(self, tokens, keep):
        embedded = self.embedding(tokens)
        kept = embedded.masked_fill(~keep[..., None], 0.0)
        mean = kept.sum(1) / keep.float().sum(1, keepdim=True)
        peak = torch.where(keep[..., None], embedded, float("-inf")).amax(1)
        return self.head(torch.cat([mean, peak], dim=-1))


class Lengths(nn.Module):
    """Token ids and the length of each row as two inputs: the mask of the
    positions below the length (an arange against the lengths, broadcast),
    as sequence models build it, before attention pooling."""

    def __init__(self, vocabulary, width):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.score = nn.Linear(width, 1)
        self.head = nn.Linear(width, 3)

    def forward(self, tokens, lengths):
        embedded = self.embedding(tokens)
        inside = torch.arange(tokens.shape[1])[None, :] < lengths[:, None]
        scores = self.score(embedded).squeeze(-1).masked_fill(~inside, float("-inf"))
        weights = scores.softmax(-1).unsqueeze(-1)
        return self.head((weights * embedded).sum(1))


class Einsums(nn.Module):
    """torch.einsum as models write it, over a [batch, 4, 6] view of the
    input: attention scores and their weighted sum, heads, a bilinear form
    of three operands, an ellipsis, an implicit output, a transpose, a sum
    over time, a diagonal and a trace of each head's scores."""

    def __init__(self):
        super().__init__()
        self.query = nn.Linear(6, 6)
        self.bilinear = nn.Parameter(torch.randn(3, 6, 6) * 0.2)
        self.mix = nn.Parameter(torch.randn(6, 5) * 0.3)
        self.square = nn.Parameter(torch.randn(4, 4) * 0.3)
        self.head = nn.Linear(6 + 3 + 5 + 4 + 4, 3)

    def forward(self, x):
        s = torch.tanh(x.reshape(x.shape[0], 4, 6))
        scores = torch.einsum("bqd,bkd->bqk", self.query(s), s) / 3.0
        attended = torch.einsum("bqk,bkd->bqd", scores.softmax(-1), s)
        heads = attended.reshape(x.shape[0], 4, 2, 3)
        per_head = torch.einsum("bqhd,bkhd->bhqk", heads, heads)
        pooled = torch.einsum("btd->bd", attended) / 4.0
        bilinear = torch.einsum("bi,oij,bj->bo", pooled, self.bilinear, pooled.tanh())
        mixed = torch.einsum("...td,de->...te", s, self.mix).mean(1)
        implicit = torch.einsum("bt,tu", pooled[:, :4], self.square)
        transposed = torch.einsum("bqk->bkq", per_head.sum(1)).mean(2)
        diagonal = torch.einsum("bqq->bq", per_head.sum(1)) + torch.einsum("bqq", per_head.sum(1))[:, None]
        return self.head(torch.cat([pooled, bilinear, mixed, transposed + implicit, diagonal], -1))


class LastValid(nn.Module):
    """A recurrent layer over token ids and the output at each row's last
    real token, picked with indices computed from the lengths: by advanced
    indexing (a flat index, `arange(B) * T + lengths - 1`, into the
    flattened outputs), by torch.gather of `lengths - 1` expanded over the
    features, a position taken modulo the length and divided by 2, and
    positions clamped (Clip) and capped (Min) from the lengths."""

    def __init__(self, vocabulary, width):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.rnn = nn.GRU(width, width, batch_first=True)
        self.head = nn.Linear(5 * width, 3)

    def forward(self, tokens, lengths):
        outputs, _ = self.rnn(self.embedding(tokens))
        rows = torch.arange(tokens.shape[0])
        indexed = outputs[rows, lengths - 1]
        gathered = outputs.gather(
            1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[2])).squeeze(1)
        middle = outputs[rows, torch.div(7 % lengths, 2, rounding_mode="trunc")]
        clamped = outputs[rows, (lengths - 3).clamp(min=0, max=4)]
        capped = outputs[rows, torch.minimum(lengths - 1, torch.full_like(lengths, 3))]
        return self.head(torch.cat([indexed, gathered, middle, clamped, capped], -1))


class Conditioned(nn.Module):
    """A model conditioned on a class label given as an int64 input, one-hot
    encoded (F.one_hot, then .float()), and on the one-hot of its own
    first layer's argmax."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(6 + 5, 8)
        self.head = nn.Linear(8 + 8, 3)

    def forward(self, x, labels):
        h = torch.tanh(self.first(torch.cat([x, F.one_hot(labels, 5).float()], -1)))
        return self.head(torch.cat([h, F.one_hot(h.argmax(-1), 8).float() * 0.5], -1))


class Selections(nn.Module):
    """Order and index selection: sorted features, the top and bottom
    values, mixture-of-experts routing (the experts picked by a top-k of
    the router's scores, gathered from every expert's output and weighted
    by the softmax of their scores), argmax as an index, torch.gather with
    a constant permutation, and a norm over a slice that is all zeros."""

    def __init__(self):
        super().__init__()
        self.features = nn.Linear(12, 12)
        self.router = nn.Linear(12, 4)
        self.experts = nn.Linear(12, 4 * 6)
        self.register_buffer("order", torch.randperm(12).repeat(8, 1))
        self.register_buffer("keep", torch.tensor([1.0, 0.0, 1.0]).reshape(1, 3, 1))
        self.head = nn.Linear(12 + 3 + 2 + 6 + 1 + 12 + 3, 3)

    def forward(self, x):
        h = torch.tanh(self.features(x))
        ascending = torch.sort(h, dim=-1).values
        top = torch.topk(h, 3).values
        bottom = torch.topk(h, 2, largest=False).values
        scores = self.router(h)
        chosen = scores.topk(2, dim=-1)
        weights = chosen.values.softmax(-1)
        outputs = self.experts(h).reshape(x.shape[0], 4, 6)
        picked = torch.gather(outputs, 1, chosen.indices[:, :, None].expand(-1, -1, 6))
        routed = (picked * weights[:, :, None]).sum(1)
        best = torch.gather(scores, 1, scores.argmax(-1, keepdim=True))
        permuted = torch.gather(h, 1, self.order[: x.shape[0]])
        norms = (h.reshape(x.shape[0], 3, 4) * self.keep).norm(dim=-1)
        return self.head(torch.cat([ascending, top, bottom, routed, best, permuted, norms], -1))


class PlaneNorms(nn.Module):
    """nn.LayerNorm over the last two and the last three dims of a
    convolution's output (LayerNormalization with axis -2 and -3 at opset
    17)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.plane = nn.LayerNorm((4, 4))
        self.volume = nn.LayerNorm((3, 4, 4))
        with torch.no_grad():
            for norm in (self.plane, self.volume):
                norm.weight.uniform_(0.5, 1.5)
                norm.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        return self.volume(torch.relu(self.plane(self.conv(x))))


class Rounding(nn.Module):
    """Floor, ceil and round (of no gradient), the floored division and
    remainder PyTorch builds from Floor, fmod, the inverse trigonometric
    functions and tan, nan_to_num (IsNaN, IsInf) and integers made by
    floor and cast back."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(8, 12)
        self.head = nn.Linear(12 * 4, 3)

    def forward(self, x):
        h = self.inner(x)
        t = torch.tanh(h)
        steps = (h * 3).floor().long().float() + torch.ceil(h) - torch.round(h * 2)
        angles = torch.atan(h) + torch.asin(0.5 * t) + torch.acos(0.5 * t) + torch.tan(t)
        rests = (torch.remainder(h, 0.7) + torch.div(h, 0.7, rounding_mode="floor")
                 + torch.fmod(h, 0.6))
        safe = torch.nan_to_num(h, nan=0.0, posinf=2.0, neginf=-2.0)
        return self.head(torch.cat([steps * 0.1 + h, angles, rests, safe], -1))


class Products(nn.Module):
    """Products over a dim (ReduceProd; of ReLU outputs, with exact zeros),
    clamp to bounds the step computes (a Clip with the mean and the max),
    repeat_interleave and a diagonal."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(8, 12)
        self.head = nn.Linear(30, 3)

    def forward(self, x):
        h = self.inner(x)
        t = torch.tanh(h) * 1.5
        products = t.reshape(-1, 3, 4).prod(-1)
        zeros = torch.relu(h).reshape(-1, 4, 3).prod(-1)
        clamped = torch.clamp(h, min=h.mean(), max=h.max() * 0.8)
        repeated = t[:, :4].repeat_interleave(2, dim=1)
        diagonal = torch.diagonal(t.reshape(-1, 3, 4)[:, :, :3], dim1=1, dim2=2)
        return self.head(torch.cat([products, zeros, clamped, repeated, diagonal], 1))


class Bicubic(nn.Module):
    """Bicubic upsampling (Resize, cubic) after a convolution, with and
    without align_corners."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)

    def forward(self, x):
        h = self.conv(x)
        a = F.interpolate(h, scale_factor=2, mode="bicubic", align_corners=False)
        b = F.interpolate(h, size=(5, 7), mode="bicubic", align_corners=True)
        return torch.cat([a.flatten(1), b.flatten(1)], -1)


class Scatters(nn.Module):
    """torch.scatter of a layer's outputs at distinct positions (an argsort),
    scatter_add at positions computed from the data (`(x * 2).long()`,
    repeated ones adding up), and a one-hot made by scatter_."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(12, 3), nn.Linear(12, 6)
        self.head = nn.Linear(18, 3)

    def forward(self, x):
        distinct = x[:, :6].argsort(dim=1)[:, :3]
        placed = x.new_zeros(x.shape[0], 6).scatter(1, distinct, self.a(x))
        computed = (x[:, 6:9].abs() * 2).long().clamp(max=5)
        added = self.b(x).scatter_add(1, computed, self.a(x).tanh())
        hot = x.new_zeros(x.shape[0], 6).scatter_(1, computed[:, :1], 1.0)
        return self.head(torch.cat([placed, added, hot], 1))


class SliceAssignments(nn.Module):
    """Assignments into tensors the step computes, which export as
    ScatterND: a column from another column, a block set to a constant, the
    last column from a function of a slice, every third column from another
    layer, columns picked by an index list in any order, index_put with
    accumulate into zeros, and a table filled in the forward pass."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(12, 8), nn.Linear(12, 8)
        self.head = nn.Linear(24, 3)

    def forward(self, x):
        h, g = self.a(x), self.b(x)
        z = h.clone()
        z[:, 0] = h[:, 1] * 2
        z[:, 2:4] = 0.5
        z[..., -1] = torch.tanh(h[..., 3])
        z[:, 1::3] = g[:, :3]
        u = g.clone()
        u[:, [6, 0, 3]] = h[:, 4:7].sigmoid()
        rows = torch.tensor([1, 5, 2, 7])
        v = h.t().index_put((rows,), g[:, :4].t(), accumulate=True).t()
        table = torch.zeros(x.shape[0], 8)
        table[:, 0::2] = torch.sin(torch.arange(4.0))
        return self.head(torch.cat([z, u, v + table], 1))


class ComputedAssignments(nn.Module):
    """Assignments at positions the step computes, which export as
    ScatterND with computed indices: each row's largest feature set to the
    mean of the row's tanh, and the rows of each feature's smallest value
    accumulated into zeros (index_put, accumulate=True)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(12, 8), nn.Linear(12, 8)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        h, g = self.a(x), self.b(x)
        z = h.clone()
        rows = torch.arange(h.shape[0])
        z[rows, h.argmax(1)] = torch.tanh(h).mean(1)
        smallest = g.argmin(0)
        v = torch.zeros_like(h.t()).index_put((smallest,), h.t()[:8], accumulate=True).t()
        return self.head(torch.cat([z, v], 1))


class HuggingFacePositions(nn.Module):
    """Token ids and their attention mask, position ids made from the mask
    as Hugging Face's models make them: cumsum - 1, padding at 1."""

    def __init__(self, vocabulary, steps, width):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocabulary, width), nn.Embedding(steps, width)
        self.head = nn.Linear(width, 3)

    def forward(self, tokens, attention_mask):
        positions = attention_mask.long().cumsum(-1) - 1
        positions = positions.masked_fill(attention_mask == 0, 1)
        hidden = (self.tokens(tokens) + self.positions(positions)).tanh()
        return self.head(hidden.mean(1))


class IntegerIds(nn.Module):
    """Token ids as int32, widened (`long()`), chosen by where and masked by
    a mask made an integer."""

    def __init__(self, vocabulary, width):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.head = nn.Linear(width, 3)

    def forward(self, tokens):
        ids = tokens.long()
        folded = torch.where(ids > 25, ids - 25, ids)
        kept = folded * (ids > 3).long()
        return self.head(self.embedding(kept).tanh().mean(1))


class StartToken(nn.Module):
    """A start token (id 1) before the ids, the ids rolled by one step, the
    first id repeated and the ids tiled: integers concatenated, picked and
    repeated, embedded."""

    def __init__(self, vocabulary, width):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.head = nn.Linear(width, 3)

    def forward(self, tokens):
        started = torch.cat([torch.ones_like(tokens[:, :1]), tokens], 1)
        rolled = torch.roll(tokens, 1, 1)
        first = tokens[:, 0].unsqueeze(1).expand(-1, 3)
        tiled = tokens.repeat(1, 2)
        hidden = sum(self.embedding(ids).mean(1) for ids in (started, rolled, first, tiled))
        return self.head(hidden.tanh())


class Bags(nn.Module):
    """nn.EmbeddingBag over token ids (PyTorch exports each as a Loop over
    the bags): mean, sum weighted per sample by a computed weight, max, and
    a bag over the flattened ids split at constant offsets."""

    def __init__(self, vocabulary, steps, width):
        super().__init__()
        self.mean = nn.EmbeddingBag(vocabulary, width, mode="mean")
        self.sum = nn.EmbeddingBag(vocabulary, width, mode="sum")
        self.max = nn.EmbeddingBag(vocabulary, width, mode="max")
        self.flat = nn.EmbeddingBag(vocabulary, width, mode="mean")
        self.weight = nn.Linear(steps, 1)
        self.register_buffer("offsets", torch.tensor([0, 5, 9]))
        self.head = nn.Linear(4 * width, 3)

    def forward(self, tokens):
        weights = torch.sigmoid(self.weight(tokens.to(self.weight.weight.dtype) / 50))
        weighted = self.sum(tokens, per_sample_weights=weights.expand(-1, tokens.shape[1]))
        flat = self.flat(tokens.reshape(-1), self.offsets).mean(0, keepdim=True)
        return self.head(torch.cat([self.mean(tokens), weighted, self.max(tokens),
                                    flat.expand(tokens.shape[0], -1)], 1))


class ScriptedRecurrence(nn.Module):
    """A recurrent cell written as a Python loop over time and scripted
    (torch.jit.script): a Loop whose trip count is the sequence length,
    with the hidden state, a weighted running total and a list of the
    states (SequenceInsert, then ConcatFromSequence) carried through it,
    the stacked states weighted by their position."""

    def __init__(self, steps: int, features: int, width: int):
        super().__init__()
        self.steps, self.features, self.width = steps, features, width
        self.cell = nn.Linear(features + width, width)
        self.weights = nn.Parameter(torch.linspace(0.5, 1.5, steps)[:, None])
        self.head = nn.Linear(2 * width, 3)

    def forward(self, x):
        sequence = x.reshape(x.shape[0], self.steps, self.features)
        hidden = x.new_zeros(x.shape[0], self.width)
        total = x.new_zeros(x.shape[0], self.width)
        states: List[torch.Tensor] = []
        for t in range(sequence.shape[1]):
            hidden = torch.tanh(self.cell(torch.cat([sequence[:, t], hidden], 1)))
            total = total + hidden * (t + 1) / self.steps
            states.append(hidden)
        stacked = torch.stack(states, 1) * self.weights
        pieces = torch.split(stacked.mean(1), self.width // 2, 1)
        return self.head(torch.cat([total, torch.cat(list(pieces), 1)], 1))


def newer(op, reference, **attributes):
    """`reference`, which PyTorch trains, exported as the ONNX op `op` of a
    later opset than this PyTorch writes: a node of the `newer` domain that
    to_opset() moves into the default one."""

    class Op(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *inputs):
            return reference(*inputs)

        @staticmethod
        def symbolic(g, *inputs):
            return g.op("newer::" + op, *inputs, **attributes)

    def apply(*inputs):
        return Op.apply(*inputs) if torch.onnx.is_in_onnx_export() else reference(*inputs)
    return apply


REDUCTIONS = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceLogSumExp", "ReduceSumSquare"}


def to_opset(version):
    """Rewrites a model exported at opset 17 into the forms of opset
    `version`: the `newer` domain's nodes into the default domain, the axes
    of reductions as an input (18), and a Split into equal parts of the
    chunk size as num_outputs (18)."""
    def rewrite(model):
        for opset in list(model.opset_import):
            if opset.domain == "newer":
                model.opset_import.remove(opset)
            elif opset.domain in ("", "ai.onnx"):
                opset.version = version
        constants = {node.output[0]: numpy_helper.to_array(node.attribute[0].t)
                     for node in model.graph.node
                     if node.op_type == "Constant" and node.attribute[0].name == "value"}
        nodes = []
        for node in model.graph.node:
            if node.domain == "newer":
                node.domain = ""
            axes = [a for a in node.attribute if a.name == "axes"]
            if node.op_type in REDUCTIONS and axes:
                name = node.output[0] + "_axes"
                nodes.append(helper.make_node("Constant", [], [name], value=helper.make_tensor(
                    name, onnx.TensorProto.INT64, [len(axes[0].ints)], list(axes[0].ints))))
                node.attribute.remove(axes[0])
                node.input.append(name)
            if node.op_type == "Split" and len(node.input) > 1 and node.input[1] in constants:
                sizes = list(constants[node.input[1]])
                part = -(-sum(sizes) // len(sizes))
                if sizes == [min(part, sum(sizes) - i * part) for i in range(len(sizes))]:
                    del node.input[1:]
                    node.attribute.append(helper.make_attribute("num_outputs", len(sizes)))
            nodes.append(node)
        del model.graph.node[:]
        model.graph.node.extend(nodes)
    return rewrite


class NewerActivations(nn.Module):
    """Gelu (exact and tanh, opset 20; or Swish, 24), Mish (18), a mean over a dim and
    torch.split into the parts of torch.chunk (their opset-18 forms: axes
    as an input, num_outputs)."""

    def __init__(self, swish=False):
        super().__init__()
        self.first = nn.Linear(10, 14)
        self.second = nn.Linear(14, 14)
        self.head = nn.Linear(11, 3)
        self.gelu = newer("Gelu", F.gelu)
        self.tanh_gelu = newer("Gelu", lambda x: F.gelu(x, approximate="tanh"),
                               approximate_s="tanh")
        if swish:
            self.tanh_gelu = newer("Swish", lambda x: x * torch.sigmoid(1.5 * x), alpha_f=1.5)
        self.mish = newer("Mish", F.mish)

    def forward(self, x):
        h = self.gelu(self.first(x))
        h = self.mish(self.second(h)) + self.tanh_gelu(h)
        a, b, c = torch.split(h, [5, 5, 4], dim=1)
        pooled = h.reshape(x.shape[0], 2, 7).mean(dim=1)
        return self.head(torch.cat([a * b, c, pooled[:, :2]], -1))


class NewerNorms(nn.Module):
    """GroupNormalization (opset 21: scale and bias per channel) and wrap
    padding (19: PyTorch's circular padding) around convolutions, and
    RMSNormalization (23) of the flattened features."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 6, 3)
        self.norm = nn.GroupNorm(3, 6)
        self.out = nn.Conv2d(6, 2, 3)
        self.scale = nn.Parameter(torch.rand(50) + 0.5)
        self.head = nn.Linear(50, 4)
        with torch.no_grad():
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)
        self.group_norm = newer(
            "GroupNormalization",
            lambda x, w, b: F.group_norm(x, 3, w, b, 1e-5), num_groups_i=3, epsilon_f=1e-5)
        self.wrap = newer("Pad", lambda x, pads: F.pad(x, (1, 2, 2, 1), mode="circular"),
                          mode_s="wrap")
        self.rms = newer(
            "RMSNormalization",
            lambda x, w: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w,
            epsilon_f=1e-6, axis_i=-1)

    def forward(self, x):
        h = self.group_norm(self.conv(x), self.norm.weight, self.norm.bias)
        pads = torch.tensor([0, 0, 2, 1, 0, 0, 1, 2])
        h = self.out(self.wrap(torch.relu(h), pads))
        return self.head(self.rms(h.flatten(1), self.scale))


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.inner = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, x):
        return x + torch.tanh(self.inner(self.norm(x)))


class LocalFunctions(nn.Module):
    """Two residual blocks and a linear head, exported with each module as
    a model-local function (export_modules_as_functions)."""

    def __init__(self):
        super().__init__()
        self.first = Block(8)
        self.second = Block(8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.second(self.first(x)))


def make_case(model, inputs, optimizer, hyper, opset, batch=4, x=None):
    rng = np.random.default_rng(0)
    if x is None:
        x = (rng.standard_normal((2 * batch, inputs)) * 2 + 1).astype(np.float32)
    sample = tuple(torch.from_numpy(a[:2]) for a in (x if isinstance(x, tuple) else (x,)))
    with torch.no_grad():
        outputs = model(*sample).shape[1]
    return {"seed": 0, "model": model, "x": x,
            "y": rng.standard_normal((2 * batch, outputs)).astype(np.float32), "batch": batch,
            "loss": "mse", "optimizer": optimizer, "hyper": hyper, "opset": opset, "parts": [],
            "unsupported": []}


def case(steps, features, rnn, width, read, optimizer, hyper, opset):
    torch.manual_seed(0)
    return make_case(Sequence(steps, features, rnn, width, read), steps * features, optimizer,
                     hyper, opset)


def image_case(shape, body, optimizer, hyper, opset, batch=4):
    torch.manual_seed(0)
    return make_case(Image(shape, body), int(np.prod(shape)), optimizer, hyper, opset, batch)


def padded_tokens(vocabulary, steps, rows):
    """Rows of 1 to `steps` tokens, padded with 0 at the end."""
    rng = np.random.default_rng(1)
    tokens = rng.integers(1, vocabulary, (rows, steps))
    lengths = rng.integers(1, steps + 1, rows)
    tokens[np.arange(steps)[None, :] >= lengths[:, None]] = 0
    return tokens.astype(np.int64)


def token_case(body, optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    torch.manual_seed(0)
    return make_case(Tokens(vocabulary, 8, body), steps, optimizer, hyper, opset, batch,
                     x=padded_tokens(vocabulary, steps, 2 * batch))


def attention_mask_case(optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    """Token ids and their attention mask as two int64 inputs."""
    torch.manual_seed(0)
    tokens = padded_tokens(vocabulary, steps, 2 * batch)
    return make_case(AttentionMask(vocabulary, 8), steps, optimizer, hyper, opset, batch,
                     x=(tokens, (tokens != 0).astype(np.int64)))


def lengths_case(optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    """Token ids and the number of real ones per row as two inputs."""
    torch.manual_seed(0)
    tokens = padded_tokens(vocabulary, steps, 2 * batch)
    return make_case(Lengths(vocabulary, 8), steps, optimizer, hyper, opset, batch,
                     x=(tokens, (tokens != 0).sum(1).astype(np.int64)))


def last_valid_case(optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    """Token ids and their lengths into a GRU read at the last real token."""
    torch.manual_seed(0)
    tokens = padded_tokens(vocabulary, steps, 2 * batch)
    return make_case(LastValid(vocabulary, 6), steps, optimizer, hyper, opset, batch,
                     x=(tokens, (tokens != 0).sum(1).astype(np.int64)))


def conditioned_case(optimizer, hyper, opset, batch=4):
    """Features and an int64 class label per row."""
    torch.manual_seed(0)
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((2 * batch, 6)) * 2 + 1).astype(np.float32)
    labels = rng.integers(0, 5, 2 * batch).astype(np.int64)
    return make_case(Conditioned(), 6, optimizer, hyper, opset, batch, x=(x, labels))


def positions_case(optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    """Token ids and their attention mask as two int64 inputs, into position
    ids."""
    torch.manual_seed(0)
    tokens = padded_tokens(vocabulary, steps, 2 * batch)
    return make_case(HuggingFacePositions(vocabulary, steps, 8), steps, optimizer, hyper, opset,
                     batch, x=(tokens, (tokens != 0).astype(np.int64)))


def int32_case(optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    """Token ids as one int32 input."""
    torch.manual_seed(0)
    tokens = padded_tokens(vocabulary, steps, 2 * batch).astype(np.int32)
    return make_case(IntegerIds(vocabulary, 8), steps, optimizer, hyper, opset, batch, x=tokens)


def start_token_case(optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    """Token ids into StartToken."""
    torch.manual_seed(0)
    return make_case(StartToken(vocabulary, 8), steps, optimizer, hyper, opset, batch,
                     x=padded_tokens(vocabulary, steps, 2 * batch))


def bool_mask_case(optimizer, hyper, opset, vocabulary=50, steps=6, batch=4):
    """Token ids and a bool mask of the real ones as two inputs."""
    torch.manual_seed(0)
    tokens = padded_tokens(vocabulary, steps, 2 * batch)
    return make_case(BoolMask(vocabulary, 8), steps, optimizer, hyper, opset, batch,
                     x=(tokens, tokens != 0))


adam = ("adam", {"lr": 0.003})
groups = {"recurrent": {
    "lstm, 2 bidirectional layers, mean output": case(
        4, 3, nn.LSTM(3, 5, num_layers=2, batch_first=True, bidirectional=True), 10, "mean",
        *adam, 14),
    "lstm, sequence first, final state": case(
        6, 3, nn.LSTM(3, 4), 4, "final", "sgd", {"lr": 0.05}, 17),
    "gru, bidirectional, final state": case(
        4, 3, nn.GRU(3, 5, batch_first=True, bidirectional=True), 5, "final", *adam, 14),
    "rnn, relu, 2 layers, last output": case(
        4, 3, nn.RNN(3, 5, num_layers=2, nonlinearity="relu", batch_first=True), 5, "last",
        "momentum", {"lr": 0.01, "momentum": 0.9}, 13),
}, "batchnorm": {
    "batchnorm1d after a linear layer": image_case(
        (12,), nn.Sequential(nn.Linear(12, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3)),
        *adam, 14, batch=8),
    "batchnorm2d in a residual-style block, opset 13": image_case(
        (4, 4, 4), nn.Sequential(nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4),
                                 nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(4, eps=1e-3)),
        "sgd", {"lr": 0.05}, 13),
    "batchnorm1d over a sequence, no affine": image_case(
        (3, 5), nn.Sequential(nn.BatchNorm1d(3, affine=False), nn.Tanh(), nn.Flatten(),
                              nn.Linear(15, 2)),
        "momentum", {"lr": 0.01, "momentum": 0.9}, 17, batch=8),
    "one batchnorm applied twice, momentum 0.3, opset 15": image_case(
        (8,), SharedNorm(), *adam, 15, batch=8),
}, "reductions": {
    "min, norms, logsumexp, extrema, cumsum, repeat, triu, causal mask": image_case(
        (12,), Reductions(), *adam, 14, batch=8),
    "the same, opset 17, momentum": image_case(
        (12,), Reductions(), "momentum", {"lr": 0.01, "momentum": 0.9}, 17, batch=8),
    "sinusoidal features of a computed value": image_case((6,), Sinusoids(), *adam, 14),
}, "images": {
    "pixel shuffle and unshuffle": image_case((4, 4, 2), PixelShuffles(), *adam, 14),
    "reflection and replication padding": image_case((4, 5, 4), Paddings(), "sgd",
                                                     {"lr": 0.05}, 13),
    "normalize, cosine similarity, std and var": image_case((8,), Statistics(), *adam, 17),
    "layer norms over two and three dims, opset 17": image_case(
        (2, 6, 6), PlaneNorms(), *adam, 17),
}, "conv-transpose": {
    "strided, padded, output padding": image_case(
        (4, 4, 4), nn.Sequential(nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1,
                                                    output_padding=1), nn.ReLU()),
        *adam, 14),
    "groups, dilation, no bias": image_case(
        (4, 3, 5), nn.ConvTranspose2d(4, 6, (2, 3), stride=(1, 2), padding=(1, 0), dilation=2,
                                      groups=2, bias=False),
        *adam, 14),
    "encoder and decoder": image_case(
        (2, 8, 8), nn.Sequential(nn.Conv2d(2, 4, 3, 2, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(4, 2, 3, 2, 1, output_padding=1)),
        "momentum", {"lr": 0.01, "momentum": 0.9}, 17),
}, "windows": {
    "conv1d, padded, strided, max pool 1d": image_case(
        (3, 11), nn.Sequential(nn.Conv1d(3, 4, 3, stride=2, padding=1), nn.ReLU(),
                               nn.MaxPool1d(2)),
        *adam, 14),
    "conv1d, groups, dilation, no bias, avg pool 1d": image_case(
        (4, 12), nn.Sequential(nn.Conv1d(4, 6, 3, dilation=2, groups=2, bias=False),
                               nn.Tanh(), nn.AvgPool1d(3, stride=2, padding=1)),
        "sgd", {"lr": 0.05}, 17),
    "conv transpose 1d, batchnorm 1d, global pool": image_case(
        (3, 6), nn.Sequential(nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1,
                                                 output_padding=1),
                              nn.BatchNorm1d(4), nn.ReLU(), nn.AdaptiveAvgPool1d(1)),
        "momentum", {"lr": 0.01, "momentum": 0.9}, 13, batch=8),
    "ceil mode max pool 2d": image_case(
        (2, 7, 6), nn.Sequential(nn.Conv2d(2, 3, 2), nn.MaxPool2d(3, stride=2, ceil_mode=True)),
        *adam, 14),
    "ceil mode avg pool 2d, counting padding": image_case(
        (2, 8, 8), nn.Sequential(nn.Conv2d(2, 2, 1),
                                 nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)),
        *adam, 14),
    "ceil mode avg pool 1d, not counting padding": image_case(
        (2, 9), nn.Sequential(nn.Conv1d(2, 2, 1),
                              nn.AvgPool1d(2, stride=2, ceil_mode=True,
                                           count_include_pad=False)),
        *adam, 13),
}, "volumes": {
    "conv3d padded and strided, max pool 3d, batchnorm 3d, adaptive avg pool 3d": image_case(
        (2, 5, 4, 6), nn.Sequential(nn.Conv3d(2, 3, 3, stride=(2, 1, 2), padding=1), nn.ReLU(),
                                    nn.MaxPool3d(2), nn.BatchNorm3d(3),
                                    nn.AdaptiveAvgPool3d(1)),
        *adam, 14),
    "conv3d with groups and dilation, avg pool 3d, ceil mode pools": image_case(
        (4, 7, 8, 6), nn.Sequential(nn.Conv3d(4, 4, (2, 3, 3), dilation=(2, 1, 1), groups=2,
                                              bias=False),
                                    nn.Tanh(), nn.AvgPool3d(3, stride=1, padding=1),
                                    nn.MaxPool3d(3, stride=2, dilation=(1, 2, 1), ceil_mode=True),
                                    nn.AvgPool3d(2, stride=2, padding=1, ceil_mode=True,
                                                 count_include_pad=False)),
        "sgd", {"lr": 0.05}, 17),
    "conv transpose 3d: output padding, groups, depth dilation, cropping": image_case(
        (2, 2, 3, 3), nn.Sequential(nn.ConvTranspose3d(2, 4, (3, 2, 3), stride=(2, 1, 2),
                                                       padding=(1, 0, 1),
                                                       output_padding=(1, 0, 1)),
                                    nn.Tanh(),
                                    nn.ConvTranspose3d(4, 4, 3, stride=2, padding=2,
                                                       dilation=(2, 1, 1), groups=2),
                                    nn.ConvTranspose3d(4, 2, (1, 3, 3), stride=(2, 1, 1),
                                                       padding=1, bias=False)),
        "momentum", {"lr": 0.01, "momentum": 0.9}, 17),
    "reflect-padded conv3d, instancenorm 3d, trilinear upsample, avg pool": image_case(
        (2, 3, 3, 3), nn.Sequential(nn.Conv3d(2, 3, 3, padding=1, padding_mode="reflect"),
                                    nn.InstanceNorm3d(3, affine=True), nn.ReLU(),
                                    nn.Upsample(scale_factor=2, mode="trilinear"),
                                    nn.AvgPool3d(2)),
        *adam, 17),
}, "instancenorm": {
    "groupnorm after a convolution": image_case(
        (2, 4, 4), nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), nn.GroupNorm(3, 6), nn.SiLU()),
        *adam, 14),
    "instancenorm2d, affine, opset 13": image_case(
        (3, 4, 5), nn.Sequential(nn.Conv2d(3, 3, 1), nn.InstanceNorm2d(3, affine=True), nn.ReLU()),
        "sgd", {"lr": 0.05}, 13),
    "instancenorm1d over a sequence, no affine": image_case(
        (3, 6), nn.Sequential(nn.Conv1d(3, 4, 3), nn.InstanceNorm1d(4), nn.Tanh()),
        "momentum", {"lr": 0.01, "momentum": 0.9}, 17),
}, "padding": {
    "mean of the tokens that are not padding": token_case(MeanOfTokens(), *adam, 14),
    "multi-head attention with a key padding mask": token_case(
        PaddedAttention(nn.MultiheadAttention(8, 2, batch_first=True)), *adam, 14),
    "encoder layer with a key padding mask, opset 17": token_case(
        PaddedAttention(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)),
        "momentum", {"lr": 0.01, "momentum": 0.9}, 17),
    "masked_fill and where with token conditions": token_case(
        MaskedScores(), "sgd", {"lr": 0.05}, 13),
    "additive attention mask from an int64 input": attention_mask_case(*adam, 14),
    "bool mask input, masked mean and max": bool_mask_case("momentum", {"lr": 0.05, "momentum": 0.9},
                                                            15),
    "sequence mask from lengths, attention pooling": lengths_case(*adam, 16),
    "position ids from an expanded arange": token_case(PositionIds(6, 8), *adam, 14),
    "token counts from mask.long().sum()": token_case(TokenCounts(), "sgd", {"lr": 0.05}, 15),
    "BERT's extended attention mask": token_case(ExtendedMask(), *adam, 17),
}, "selection": {
    "sort, topk, routing, argmax, gather, norm of zeros": image_case(
        (12,), Selections(), *adam, 14, batch=8),
    "the same, opset 13, momentum": image_case(
        (12,), Selections(), "momentum", {"lr": 0.01, "momentum": 0.9}, 13, batch=8),
    "a GRU read at the last real token, by indices from the lengths": last_valid_case(
        *adam, 14),
    "one-hot of an int64 label input and of an argmax": conditioned_case(
        "sgd", {"lr": 0.05}, 15),
    "scatter, scatter_add and a scattered one-hot": image_case(
        (12,), Scatters(), *adam, 14, batch=8),
    "the same, opset 17, momentum": image_case(
        (12,), Scatters(), "momentum", {"lr": 0.01, "momentum": 0.9}, 17, batch=8),
    "slice assignments, index_put, a table filled in the forward pass": image_case(
        (12,), SliceAssignments(), *adam, 14, batch=8),
    "the same, opset 16, momentum": image_case(
        (12,), SliceAssignments(), "momentum", {"lr": 0.01, "momentum": 0.9}, 16, batch=8),
    "assignments at computed positions, index_put accumulating at argmins": image_case(
        (12,), ComputedAssignments(), *adam, 14),
    "computed positions, opset 16, momentum": image_case(
        (12,), ComputedAssignments(), "momentum", {"lr": 0.01, "momentum": 0.9}, 16),
}, "integers": {
    "Hugging Face position ids: cumsum of the attention mask, masked_fill": positions_case(
        *adam, 14),
    "the same, opset 17, momentum": positions_case(
        "momentum", {"lr": 0.01, "momentum": 0.9}, 17),
    "int32 token ids widened, where on ids, ids times an integer mask": int32_case(
        *adam, 14),
    "a start token before the ids, ids rolled, picked and tiled": start_token_case(
        *adam, 14),
}, "math": {
    "floor, ceil, round, remainder, fmod, trigonometry, nan_to_num": image_case(
        (8,), Rounding(), *adam, 14),
    "the same, opset 17, sgd": image_case((8,), Rounding(), "sgd", {"lr": 0.01}, 17),
    "bicubic upsampling": image_case((2, 3, 4), Bicubic(), *adam, 14),
    "prod, clamp to computed bounds, repeat_interleave, diagonal": image_case(
        (8,), Products(), *adam, 14),
    "the same, opset 17, momentum": image_case(
        (8,), Products(), "momentum", {"lr": 0.01, "momentum": 0.9}, 17),
}, "newer-opsets": {
    "gelu, tanh gelu, mish, mean, split, opset 20": dict(
        image_case((10,), NewerActivations(), *adam, 17), rewrite=to_opset(20)),
    "the same with swish, opset 27, sgd": dict(
        image_case((10,), NewerActivations(swish=True), "sgd", {"lr": 0.01}, 17),
        rewrite=to_opset(27)),
    "group norm, circular padding, rms norm, opset 23": dict(
        image_case((2, 6, 6), NewerNorms(), *adam, 17), rewrite=to_opset(23)),
    "residual blocks as local functions": dict(
        image_case((8,), LocalFunctions(), *adam, 15),
        export={"export_modules_as_functions": {Block, nn.Linear, nn.LayerNorm}}),
}, "loops": {
    "embedding bags: mean, weighted sum, max, constant offsets": make_case(
        Bags(50, 6, 8), 6, *adam, 14, x=padded_tokens(50, 6, 8)),
    "a scripted recurrence: carried state, running total, stacked list": dict(
        make_case(ScriptedRecurrence(5, 3, 6), 15, *adam, 14), script=True),
    "the same over 11 steps (a tree of concatenations), opset 17, momentum": dict(
        make_case(ScriptedRecurrence(11, 3, 6), 33, "momentum", {"lr": 0.05, "momentum": 0.9},
                  17), script=True),
}, "einsum": {
    "attention, heads, bilinear, ellipsis and implicit einsums": image_case(
        (24,), Einsums(), *adam, 14),
    "the same einsums, opset 17, sgd": image_case(
        (24,), Einsums(), "sgd", {"lr": 0.01}, 17),
}}
cases = groups[group]
for name, spec in cases.items():
    with tempfile.TemporaryDirectory() as directory:
        worst, verdict, details = model_fuzz.check(spec, tools, directory, 10,
                                                   ["fp32", "f16", "bf16"])
    print(f"{name}: {verdict}" + (f" {details[:300]}" if verdict != "ok" else ""))
