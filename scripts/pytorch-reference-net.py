"""The reference net of `ddcnn bench --only profile`, in PyTorch on one CPU thread: the same layers
(28x28x1 -> conv 16 3x3 valid, ReLU -> max-pool 2 -> conv 32 3x3 valid, ReLU -> max-pool 2 -> dense 10),
batch 64, Adam (rate 1e-3), softmax cross-entropy, inputs in [0, 1). Each step copies its batch from
a NumPy array, as ours does from a typed array. Prints one JSON line: samples per second of the timed
steps. Usage: python3 pytorch-reference-net.py [timed steps] [warm-up steps]"""
import json
import sys
import time

import numpy as np
import torch
from torch import nn

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(1)
torch.manual_seed(1)
rng = np.random.default_rng(1)
batch = 64
net = nn.Sequential(
    nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 5 * 5, 10),
)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = rng.random((batch, 1, 28, 28), dtype=np.float32)
y = rng.integers(0, 10, batch)


def step():
    xs, ys = torch.from_numpy(x.copy()), torch.from_numpy(y.copy())
    optimizer.zero_grad()
    loss = loss_fn(net(xs), ys)
    loss.backward()
    optimizer.step()
    return loss.item()


for _ in range(warmup):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    step()
seconds = time.perf_counter() - t0
print(json.dumps({"samplesPerSecond": batch * steps / seconds, "steps": steps, "seconds": seconds,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
