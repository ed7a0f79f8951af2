"""The peer of the time-to-a-finished-picture bench: neural-style's plain run in PyTorch on the CPU.

Minimises exactly the engine's loss (engine/common/losses/styleTransferLoss.ts) from what the bench
exported (test/bench/finish/peerExport.ts): the same VGG weights, start image (the photo in the
network's input space), content activations and Gram targets. Content: mean squared difference of
activations; style: mean squared difference of Gram matrices normalised by C·H·W; TV: half the sum of
squared neighbour differences over [0, H-1) x [0, W-1) as neural-style's TVLoss. The optimiser is
torch.optim.LBFGS with history 100 and the strong Wolfe line search, never stopping on tolerances
(neural-style's tolerFun = tolerX = -1), for at most ITERATIONS iterations.

It stops when an evaluated image's total loss is at or below TARGET (it reached "finished") or when
CAP seconds have passed, and says which. Prints one JSON object: the trace of every evaluation
(iteration, loss, seconds since the optimisation was set up) and how it ended.

usage: pytorchLbfgs.py FOLDER TARGET CAP_SECONDS ITERATIONS THREADS
"""
import json
import os
import sys
import time

import numpy
import torch
import torch.nn.functional as F


class Stop(Exception):
    pass


def tensor(folder, manifest, name):
    entry = manifest['tensors'][name]
    data = numpy.fromfile(os.path.join(folder, entry['file']), dtype='<f4').reshape(entry['shape'])
    return torch.from_numpy(data.copy())


def nchw(t):
    return t.permute(0, 3, 1, 2).contiguous()


def network(folder, manifest):
    """The layers as functions of x (NCHW); kernels [h, w, in, out] become torch's [out, in, h, w]."""
    layers = []
    for spec in manifest['layers']:
        if spec['kind'] == 'conv':
            kernel = tensor(folder, manifest, spec['name'] + '.kernel').permute(3, 2, 0, 1).contiguous()
            bias = tensor(folder, manifest, spec['name'] + '.bias')
            pad = kernel.shape[-1] // 2
            layers.append((spec['name'], lambda x, k=kernel, b=bias, p=pad: F.relu(F.conv2d(x, k, b, padding=p))))
        elif manifest['pooling'] == 'max':
            layers.append((spec['name'], lambda x, s=spec: F.max_pool2d(x, s['size'], s['stride'], ceil_mode=True)))
        else:
            layers.append((spec['name'], lambda x, s=spec: F.avg_pool2d(x, s['size'], s['stride'], ceil_mode=True)))
    return layers


def gram(f):
    _, c, h, w = f.shape
    flat = f.reshape(c, h * w)
    return flat @ flat.t() / (c * h * w)


def total_variation(x):
    corner = x[:, :, :-1, :-1]
    return 0.5 * (((corner - x[:, :, :-1, 1:]) ** 2).sum() + ((corner - x[:, :, 1:, :-1]) ** 2).sum())


def main(folder, target, cap, iterations, threads):
    torch.set_num_threads(threads)
    with open(os.path.join(folder, 'peer.json')) as f:
        manifest = json.load(f)
    layers = network(folder, manifest)
    content = {name: nchw(tensor(folder, manifest, 'content.' + name)) for name in manifest['contentLayers']}
    grams = {s['layer']: tensor(folder, manifest, 'gram.' + s['layer']) for s in manifest['styleLayers']}
    wanted = set(content) | set(grams)
    image = nchw(tensor(folder, manifest, 'start')).requires_grad_(True)
    optimizer = torch.optim.LBFGS([image], lr=1, max_iter=iterations, max_eval=iterations * 25, tolerance_grad=-1,
                                  tolerance_change=-1, history_size=100, line_search_fn='strong_wolfe')
    trace, started = [], time.perf_counter()
    ended = {'reason': 'iterations'}

    def closure():
        optimizer.zero_grad()
        found, x = {}, image
        for name, layer in layers:
            x = layer(x)
            if name in wanted:
                found[name] = x
        loss = manifest['contentWeight'] * sum(((found[n] - t) ** 2).mean() for n, t in content.items())
        loss = loss + manifest['styleWeight'] * sum(
            s['weight'] * ((gram(found[s['layer']]) - grams[s['layer']]) ** 2).mean() for s in manifest['styleLayers'])
        loss = loss + manifest['tvWeight'] * total_variation(image)
        loss.backward()
        seconds = time.perf_counter() - started
        state = optimizer.state[optimizer._params[0]]
        iteration = state.get('n_iter', 0)
        trace.append({'evaluation': len(trace), 'iteration': iteration, 'total': loss.item(), 'seconds': seconds})
        if loss.item() <= target:
            ended.update(reason='target', seconds=seconds, loss=loss.item())
            raise Stop()
        if seconds >= cap:
            ended.update(reason='cap', seconds=seconds, loss=min(t['total'] for t in trace))
            raise Stop()
        return loss

    try:
        optimizer.step(closure)
    except Stop:
        pass
    if ended['reason'] == 'iterations':
        ended.update(seconds=trace[-1]['seconds'], loss=min(t['total'] for t in trace))
    print(json.dumps({'torch': torch.__version__, 'threads': threads, 'ended': ended, 'trace': trace}))


if __name__ == '__main__':
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
