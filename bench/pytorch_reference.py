#!/usr/bin/python3
"""PyTorch reference timings for the benchmark suite (`npm run bench`), on one thread.

Measures the same models as bench/run.ts so that the tfjs numbers can be read against a native
framework on the same machine:
- training throughput (sequences per second, median over repeats, after one warm-up epoch) of
  SimpleRNN (tanh), LSTM and GRU classifiers: recurrent layer -> last step's output -> Linear,
  Adam (lr 1e-3), softmax cross-entropy, one epoch over random sequences;
- inference latency (median ms) of the LSTM classifier on a batch of 1024 and on one sequence, in
  float32 and after dynamic int8 quantization (quantize_dynamic of the LSTM and Linear layers).

Prints one JSON object on stdout and nothing else. Needs Debian's python3-torch with an OpenBLAS
package (libopenblas0-pthread): without it libblas.so.3 is the reference BLAS and every number here
is about 10x too slow. `npm run bench:setup` installs both; bench/pytorch.ts runs this script.

usage: /usr/bin/python3 bench/pytorch_reference.py [--samples N] [--repeats N] [--units N] ...
"""
import argparse
import ctypes
import json
import os
import re
import statistics
import sys
import time

# OpenBLAS reads these when it is loaded, which happens when torch is imported; torch's own
# set_num_threads does not reach a BLAS that torch was built against generically (BLAS_INFO=generic).
os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

CELLS = ('SimpleRNN', 'LSTM', 'GRU')
LATENCY_BATCH = 1024


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be a positive integer, got {text}')
    return value


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--samples', type=positive_int, default=1024, help='sequences per training epoch')
    p.add_argument('--repeats', type=positive_int, default=3, help='timed repeats (5x for one sequence)')
    p.add_argument('--units', type=positive_int, default=128)
    p.add_argument('--steps', type=positive_int, default=28)
    p.add_argument('--features', type=positive_int, default=28)
    p.add_argument('--classes', type=positive_int, default=10)
    p.add_argument('--batch', type=positive_int, default=64)
    return p.parse_args()


class Classifier(nn.Module):
    """Recurrent layer (batch first) whose last time step feeds a linear layer of class logits."""

    def __init__(self, cell, features, units, classes):
        super().__init__()
        if cell == 'SimpleRNN':
            self.rnn = nn.RNN(features, units, nonlinearity='tanh', batch_first=True)
        elif cell == 'LSTM':
            self.rnn = nn.LSTM(features, units, batch_first=True)
        elif cell == 'GRU':
            self.rnn = nn.GRU(features, units, batch_first=True)
        else:
            raise ValueError(f'cell must be one of {CELLS}, got {cell}')
        self.head = nn.Linear(units, classes)

    def forward(self, x):
        outputs, _ = self.rnn(x)
        return self.head(outputs[:, -1])


def random_data(n, args, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, args.steps, args.features, generator=g)
    y = torch.randint(0, args.classes, (n,), generator=g)
    return x, y


def train_epoch(model, optimizer, x, y, batch):
    """One pass over (x, y) in batches; returns seconds."""
    model.train()
    start = time.perf_counter()
    for i in range(0, x.shape[0], batch):
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x[i:i + batch]), y[i:i + batch])
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def training(args):
    x, y = random_data(args.samples, args, seed=1)
    rows = []
    for cell in CELLS:
        torch.manual_seed(42)
        model = Classifier(cell, args.features, args.units, args.classes)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        train_epoch(model, optimizer, x, y, args.batch)  # warm-up: allocator, Adam state
        seconds = [train_epoch(model, optimizer, x, y, args.batch) for _ in range(args.repeats)]
        rows.append({'cell': cell, 'seqPerS': args.samples / statistics.median(seconds), 'epochS': statistics.median(seconds)})
    return rows


def no_grad():
    # inference_mode (1.9+) also skips version counting; no_grad is the fallback.
    return torch.inference_mode() if hasattr(torch, 'inference_mode') else torch.no_grad()


def median_ms(model, x, repeats, warmup):
    with no_grad():
        for _ in range(warmup):
            model(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def quantize_dynamic(model):
    ao = getattr(torch, 'ao', None)
    quantization = getattr(ao, 'quantization', None) if ao is not None else None
    if quantization is None or not hasattr(quantization, 'quantize_dynamic'):
        quantization = torch.quantization  # before torch.ao existed
    return quantization.quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)


def latency(args):
    torch.manual_seed(42)
    model = Classifier('LSTM', args.features, args.units, args.classes).eval()
    batch, _ = random_data(LATENCY_BATCH, args, seed=2)
    single = batch[:1]
    rows = []
    for variant, m in (('float32', model), ('int8 (quantize_dynamic)', quantize_dynamic(model))):
        rows.append({
            'variant': variant,
            'batchMs': median_ms(m, batch, args.repeats, warmup=1),
            'singleMs': median_ms(m, single, args.repeats * 5, warmup=3),
        })
    return rows


def loaded_blas():
    """The BLAS library this process really loaded (Linux), and OpenBLAS's own description of itself.

    torch.__config__ only says how torch was built; Debian's torch is built against the generic
    libblas.so.3, which the alternatives system points at OpenBLAS or at the slow reference BLAS.
    """
    try:
        with open('/proc/self/maps') as f:
            paths = {line.split()[-1] for line in f if 'blas' in line and '/' in line}
    except OSError:
        return None, None
    path = next((p for p in sorted(paths) if os.path.basename(p).startswith('libblas')), None) or next(iter(sorted(paths)), None)
    if path is None:
        return None, None
    try:
        get_config = ctypes.CDLL(path).openblas_get_config
        get_config.restype = ctypes.c_char_p
        return path, get_config().decode().strip()
    except (OSError, AttributeError):
        return path, None


def blas_description():
    build = re.search(r'BLAS_INFO=(\w+)', torch.__config__.show())
    path, openblas = loaded_blas()
    if openblas:
        runtime = openblas
    elif path is not None and '/blas/' in path:
        runtime = 'reference BLAS (install libopenblas0-pthread)'
    elif path is not None:
        runtime = os.path.basename(path)
    else:
        runtime = 'unknown'
    return (f'{runtime} (torch built with BLAS_INFO={build.group(1)})' if build else runtime), path


def main():
    args = parse_args()
    blas, blas_library = blas_description()
    result = {
        'version': torch.__version__,
        'python': sys.version.split()[0],
        'blas': blas,
        'blasLibrary': blas_library,
        'threads': torch.get_num_threads(),
        'interopThreads': torch.get_num_interop_threads(),
        'quantizedEngine': torch.backends.quantized.engine,
        'settings': {k: getattr(args, k) for k in ('samples', 'repeats', 'units', 'steps', 'features', 'classes', 'batch')},
        'training': training(args),
        'latency': latency(args),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
