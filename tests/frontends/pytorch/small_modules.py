"""Small modules the PyTorch door's tests read (imported inside the tests, so collecting them
does not import torch into the test process)."""

import torch
from torch import nn


class Squeeze(nn.Module):
    """A custom module of known ops: pool, two linears, sigmoid, a broadcast product."""

    def __init__(self, channels, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(channels, hidden), nn.Linear(hidden, channels)

    def forward(self, x):
        s = x.mean((2, 3))
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.se = Squeeze(8, 4)
        self.head = nn.Linear(8, 10)
        self.stem.weight.requires_grad_(False)

    def forward(self, x):
        x = self.se(torch.relu(self.bn(self.stem(x))))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class Tempered(nn.Module):
    def __init__(self):
        super().__init__()
        self.temperature = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x * self.temperature.exp()


class Tied(nn.Module):
    """One Parameter object under two names (decode.weight, mirror.weight), a weight used
    again through its transpose, and a module called twice."""

    def __init__(self):
        super().__init__()
        self.encode = nn.Linear(6, 4, bias=False)
        self.shared = nn.Linear(4, 4)
        self.decode, self.mirror = nn.Linear(4, 6), nn.Linear(4, 6)
        self.mirror.weight = self.decode.weight

    def forward(self, x):
        h = self.shared(self.shared(self.encode(x)))
        return nn.functional.linear(h, self.encode.weight.t()) + self.decode(h) + self.mirror(h)


class Cumulative(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 4), Running())

    def forward(self, x):
        return self.body(x)


class Running(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, dim=-1)


class Repeated(nn.Module):
    """An op with no rule (aten.repeat) whose output holds more elements than its input: let
    through uncounted, nothing can stand for it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x).repeat(1, 3)


class Tokens(nn.Module):
    """Token ids through an embedding and a linear head (a language model's ends)."""

    def __init__(self, vocab: int = 10, dim: int = 4):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, ids):
        return self.head(self.wte(ids))


class Skipping(nn.Module):
    """Two inputs with an optional argument between them, which a caller leaves out."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 3), nn.Linear(5, 3)

    def forward(self, x, mask=None, y=None):
        return self.a(x) + self.b(y)


class ReshapedScale(nn.Module):
    """A per-channel factor kept as [C] and reshaped to [1, C, 1, 1] where it is used (timm's
    ConvNeXt with its convolutional MLP)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.gamma = nn.Parameter(torch.ones(4))

    def forward(self, x):
        return self.conv(x) * self.gamma.reshape(1, -1, 1, 1)


class Padded(nn.Module):
    """F.pad in its two modes: written out with a mode argument before the value (aten.pad)."""

    def __init__(self, mode: str = "constant"):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        return torch.nn.functional.pad(x, (1, 1), mode=self.mode, value=2.0) if self.mode == "constant" \
            else torch.nn.functional.pad(x, (1, 1), mode=self.mode)


class TokenMixing(nn.Module):
    """A Linear across tokens (MLP-Mixer's token mixing): the door writes a permute inside the
    Linear's scope, which makes it a block, named after the class: not 'linear', a layer type."""

    def __init__(self):
        super().__init__()
        self.mix = nn.Linear(4, 5)

    def forward(self, x):
        return self.mix(x.transpose(1, 2))


class Stacked(nn.Module):
    """Two branches stacked on a new axis and summed over it (a selective kernel's shape)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 3), nn.Linear(4, 3)

    def forward(self, x):
        return torch.stack([self.a(x), self.b(x)], dim=1).sum(1)


class Affine(nn.Module):
    """ResMLP's Affine, beta + alpha · x, written as one addcmul."""

    def __init__(self, dim: int = 4):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, 1, dim))
        self.beta = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x):
        return torch.addcmul(self.beta, self.alpha, x)


class FoldedNorm(nn.Module):
    """A BatchNorm1d over tokens with the batch folded in ([N·T, C], LeViT's LinearNorm), its
    output viewed back with reshape_as."""

    def __init__(self):
        super().__init__()
        self.fc, self.bn = nn.Linear(4, 4), nn.BatchNorm1d(4)

    def forward(self, x):
        y = self.fc(x)
        return self.bn(y.flatten(0, 1)).reshape_as(y)


class Quotient(nn.Module):
    """One computed tensor divided by another (EfficientViT's linear attention normalises so)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 3), nn.Linear(4, 3)

    def forward(self, x):
        return self.a(x) / self.b(x)
