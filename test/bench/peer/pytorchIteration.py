"""The peer of `npm run bench`: one optimisation iteration of style transfer in PyTorch on the CPU.

VGG-19 up to conv5_1 (random weights: the cost does not depend on their values), forward and
backward to the image, Gram style losses on conv1_1 … conv5_1 and a content loss on conv4_2, as
Gatys et al. 2015 and neural-style. Prints one JSON line per size: median ms per iteration after a
warm-up, and the process's peak resident memory.
"""
import json
import resource
import sys
import time

import torch
from torch import nn

VGG19_BLOCKS = [(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)]
STYLE_LAYERS = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1']
CONTENT_LAYER = 'conv4_2'


def vgg19_to_conv5_1():
    layers, names, channels = [], [], 3
    for block, (filters, convs) in enumerate(VGG19_BLOCKS, start=1):
        for i in range(1, convs + 1):
            layers += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU()]
            names += [None, f'conv{block}_{i}']
            channels = filters
            if (block, i) == (5, 1):
                return nn.ModuleList(layers), names
        layers.append(nn.MaxPool2d(2, 2))
        names.append(None)
    raise AssertionError


def features(network, names, x):
    found = {}
    for layer, name in zip(network, names):
        x = layer(x)
        if name:
            found[name] = x
    return found


def gram(f):
    _, c, h, w = f.shape
    flat = f.reshape(c, h * w)
    return flat @ flat.t() / (c * h * w)


def measure(size, iterations):
    torch.manual_seed(0)
    network, names = vgg19_to_conv5_1()
    for p in network.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        content = features(network, names, torch.rand(1, 3, size, size) * 255)[CONTENT_LAYER]
        painting = torch.rand(1, 3, size, size) * 255
        style = {layer: gram(f) for layer, f in features(network, names, painting).items() if layer in STYLE_LAYERS}
    image = (torch.rand(1, 3, size, size) * 255).requires_grad_(True)
    times = []
    for _ in range(iterations + 1):
        started = time.perf_counter()
        found = features(network, names, image)
        loss = 5 * ((found[CONTENT_LAYER] - content) ** 2).sum() / 2
        loss = loss + sum(100 * ((gram(found[layer]) - style[layer]) ** 2).sum() for layer in STYLE_LAYERS)
        image.grad = None
        loss.backward()
        times.append((time.perf_counter() - started) * 1000)
    per_iteration = sorted(times[1:])
    return {
        'size': size, 'torch': torch.__version__, 'threads': torch.get_num_threads(),
        'msPerIteration': round(per_iteration[len(per_iteration) // 2]),
        'msPerIterationAll': [round(t) for t in times[1:]],
        'peakRssMiB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == '__main__':
    size, iterations, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    print(json.dumps(measure(size, iterations)))
