#!/usr/bin/env python3
"""Converts the NanoDet TF.js graph model (models/nanodet.json + nanodet.bin) to ONNX, for onnxruntime (issue 19).

Why: the object detector was the largest single part of the analysis (~250 ms of CPU per photo on TF.js'
WebAssembly backend). onnxruntime runs the same network several times faster on the same core, and an
ONNX file can be quantised like the OCR detector. No converter for TF.js graph models exists on this
machine (no tensorflowjs, no tf2onnx), and the graph uses only 14 op types, so this script maps them
one by one; the test `test/ml-nanodet-onnx.test.ts` proves the result computes what the TF.js graph
computes (every output, on real photos, within float rounding).

How to run (offline; the wheels come from the local index /opt/pypi):
    python3 -m venv /tmp/q && /tmp/q/bin/pip install --no-index --find-links /opt/pypi/files onnx onnxruntime numpy
    /tmp/q/bin/python scripts/convert-nanodet-onnx.py models/nanodet.json models/nanodet.bin models/nanodet.onnx
then put the new file's sha256 and size into models/manifest.json (id objects-nanodet-onnx) and models/MODELS.md.
The output is reproducible byte for byte from the same inputs.

What the mapping does:
- The graph came from ONNX through onnx-tf, so it is NCHW at its edges with a Transpose to NHWC around
  every TF op that needs it. TF NHWC ops (Conv2D, MaxPool, ResizeBilinear) become the ONNX NCHW op
  wrapped in the opposite Transposes; then every pair of Transposes that cancel is removed, so the
  network ends NCHW throughout, as ONNX runtimes like it.
- Conv2D followed by an Add of a per-channel constant becomes one Conv with a bias.
- Everything computed from constants alone (the reshape targets, onnx-tf's SparseToDense shape
  arithmetic) is folded with numpy.
- The input side is left free (N = 1, 3 channels, H = W = any multiple of 32): the FPN's bilinear
  resizes are written as scales (each is an exact ×2 or ×½ at 416 px, checked), and the reshape
  targets' spatial products become −1, so the same file runs at SHOEBOX_NANODET_SIDE.
- Filters stored as float16 (TF.js' weight quantisation) stay float16 in the file, each behind a Cast to
  float32 that onnxruntime folds when the session loads: the same float32 values TF.js widens them to.
"""
import argparse
import base64
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NPTYPE = {"float32": np.float32, "int32": np.int32, "float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}
TO_NCHW = [0, 3, 1, 2]
TO_NHWC = [0, 2, 3, 1]


def load_weights(model: dict, blob: bytes) -> tuple:
    """The weights manifest's tensors in file order, float16 widened to float32 (as TF.js' loader does),
    and the names of those stored as float16."""
    weights, half, offset = {}, set(), 0
    for group in model["weightsManifest"]:
        for w in group["weights"]:
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            stored = (w.get("quantization") or {}).get("dtype", w["dtype"])
            if stored not in NPTYPE:
                sys.exit(f"{w['name']}: unsupported stored dtype {stored}")
            dt = np.dtype(NPTYPE[stored])
            a = np.frombuffer(blob, dt, count, offset).reshape(w["shape"])
            offset += count * dt.itemsize
            weights[w["name"]] = a.astype(np.float32) if stored == "float16" else a.astype(NPTYPE[w["dtype"]])
            if stored == "float16":
                half.add(w["name"])
    if offset != len(blob):
        sys.exit(f"weights manifest describes {offset} bytes, the file has {len(blob)}")
    return weights, half


def attr(node: dict, key: str, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "list" in a:
        return [int(v) for v in a["list"].get("i", [])]
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "i" in a:
        return int(a["i"])
    return a


def tensor_name(ref: str) -> str:
    """TF input reference ('node', 'node:1') → this script's tensor name ('node:0', 'node:1')."""
    return ref if ":" in ref else f"{ref}:0"


class Converter:
    def __init__(self, model: dict, weights: dict, half: set):
        self.half = {f"{k}:0" for k in half}
        self.tf_nodes = [n for n in model["modelTopology"]["node"]]
        self.consts = {f"{k}:0": v for k, v in weights.items()}
        self.nodes: list = []
        self.initializers: dict = {}
        self.alias: dict = {}  # TF tensor name → ONNX tensor name, where a TF op became nothing
        self.outputs = sorted(model["signature"]["outputs"].keys())
        self.counter = 0
        consumers: dict = {}
        for n in self.tf_nodes:
            for ref in n.get("input", []):
                consumers.setdefault(tensor_name(ref), []).append(n)
        self.consumers = consumers
        self.conv_bias_folded: set = set()
        self.resizes: list = []  # (tf_name, x, out, size): placeholders replaced once shapes are known

    # -- helpers -------------------------------------------------------------------------------
    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}__{self.counter}"

    def name(self, ref: str) -> str:
        t = tensor_name(ref)
        return self.alias.get(t, t)

    def const_input(self, ref: str):
        return self.consts.get(tensor_name(ref))

    def initializer(self, base: str, value: np.ndarray) -> str:
        n = self.fresh(base)
        self.initializers[n] = value
        return n

    def emit(self, op: str, inputs: list, outputs: list, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=self.fresh(op), **attrs))

    def nhwc_op(self, op: str, x: str, out: str, extra_inputs=(), **attrs):
        """An NCHW ONNX op applied to an NHWC tensor: Transpose in, op, Transpose out."""
        a, b = self.fresh("nchw"), self.fresh("nchw_out")
        self.emit("Transpose", [x], [a], perm=TO_NCHW)
        self.emit(op, [a, *extra_inputs], [b], **attrs)
        self.emit("Transpose", [b], [out], perm=TO_NHWC)

    # -- conversion ----------------------------------------------------------------------------
    def fold(self, n: dict) -> bool:
        """Computes a node whose inputs are all constants; False when it has a non-constant input."""
        ins = [self.const_input(r) for r in n.get("input", []) if not r.startswith("^")]
        if any(v is None for v in ins) or n["op"] in ("Placeholder",):
            return False
        op, out = n["op"], f"{n['name']}:0"
        if op in ("Add", "AddV2"):
            self.consts[out] = ins[0] + ins[1]
        elif op == "SparseToDense":
            indices, shape, values, default = ins
            dense = np.full(shape.astype(np.int64), default, dtype=np.int64)
            if indices.size:
                dense[tuple(np.asarray(indices, np.int64).reshape(len(np.atleast_1d(values)) if np.ndim(values) else -1, -1).T)] = values
            self.consts[out] = dense
        elif op == "Cast":
            self.consts[out] = ins[0]
        elif op == "Identity":
            self.consts[out] = ins[0]
        else:
            sys.exit(f"cannot fold constant op {op} ({n['name']})")
        return True

    def convert(self, side: int):
        for n in self.tf_nodes:
            op, name = n["op"], n["name"]
            out = f"{name}:0"
            if op == "Const":
                if out not in self.consts:
                    sys.exit(f"constant {name} has no weights")
                continue
            if op == "Placeholder":
                continue  # the graph input, declared below
            if self.fold(n):
                continue
            ins = [r for r in n.get("input", []) if not r.startswith("^")]
            x = self.name(ins[0])
            if op == "Conv2D":
                if attr(n, "data_format") != "NHWC" or attr(n, "padding") != "VALID" or set(attr(n, "dilations")) != {1}:
                    sys.exit(f"{name}: only NHWC, VALID, undilated Conv2D is mapped")
                filt = self.const_input(ins[1])
                kh, kw, cin, cout = filt.shape
                oihw = np.ascontiguousarray(filt.transpose(3, 2, 0, 1))
                if tensor_name(ins[1]) in self.half:
                    # Stored as float16 in the TF.js weights: kept float16 in the file (half the size) and
                    # widened by a Cast that onnxruntime folds into a float32 constant when the session loads.
                    w = self.fresh(f"{name}/W32")
                    self.emit("Cast", [self.initializer(f"{name}/W16", oihw.astype(np.float16))], [w], to=TensorProto.FLOAT)
                else:
                    w = self.initializer(f"{name}/W", oihw)
                inputs = [w]
                # Conv2D → Add(per-channel constant) becomes one Conv with a bias.
                users = self.consumers.get(out, [])
                if len(users) == 1 and users[0]["op"] in ("Add", "AddV2"):
                    bias = self.const_input(users[0]["input"][1])
                    if bias is not None and bias.shape == (cout,):
                        inputs.append(self.initializer(f"{name}/B", bias.astype(np.float32)))
                        self.conv_bias_folded.add(users[0]["name"])
                        self.alias[f"{users[0]['name']}:0"] = out
                s = attr(n, "strides")
                self.nhwc_op("Conv", x, out, inputs, kernel_shape=[int(kh), int(kw)], strides=[s[1], s[2]], pads=[0, 0, 0, 0])
            elif op in ("Add", "AddV2"):
                if name in self.conv_bias_folded:
                    continue
                b = self.const_input(ins[1])
                y = self.initializer(f"{name}/b", b) if b is not None else self.name(ins[1])
                self.emit("Add", [x, y], [out])
            elif op == "Transpose":
                self.emit("Transpose", [x], [out], perm=[int(v) for v in self.const_input(ins[1])])
            elif op in ("Pad", "PadV2"):
                p = np.asarray(self.const_input(ins[1]), np.int64)
                pads = self.initializer(f"{name}/pads", np.concatenate([p[:, 0], p[:, 1]]).astype(np.int64))
                inputs = [x, pads]
                if op == "PadV2":
                    inputs.append(self.initializer(f"{name}/value", np.asarray(self.const_input(ins[2]), np.float32).reshape(())))
                self.emit("Pad", inputs, [out], mode="constant")
            elif op == "LeakyRelu":
                self.emit("LeakyRelu", [x], [out], alpha=attr(n, "alpha"))
            elif op == "Sigmoid":
                self.emit("Sigmoid", [x], [out])
            elif op == "Identity":
                self.emit("Identity", [x], [out])
            elif op == "MaxPool":
                if attr(n, "data_format") != "NHWC" or attr(n, "padding") != "VALID":
                    sys.exit(f"{name}: only NHWC VALID MaxPool is mapped")
                k, s = attr(n, "ksize"), attr(n, "strides")
                self.nhwc_op("MaxPool", x, out, kernel_shape=[k[1], k[2]], strides=[s[1], s[2]])
            elif op == "ConcatV2":
                axis = int(self.const_input(ins[-1]))
                self.emit("Concat", [self.name(r) for r in ins[:-1]], [out], axis=axis)
            elif op == "SplitV":
                sizes = np.asarray(self.const_input(ins[1]), np.int64)
                axis = int(self.const_input(ins[2]))
                split = self.initializer(f"{name}/split", sizes)
                self.emit("Split", [x, split], [f"{name}:{i}" for i in range(len(sizes))], axis=axis)
            elif op == "Reshape":
                shape = np.asarray(self.const_input(ins[1]), np.int64).copy()
                # [1, N, C] targets with N = cells of a stride: make N free so any input side works.
                if shape.ndim == 1 and len(shape) == 3 and shape[1] in ((side // 8) ** 2, (side // 16) ** 2, (side // 32) ** 2):
                    shape[1] = -1
                self.emit("Reshape", [x, self.initializer(f"{name}/shape", shape)], [out])
            elif op == "ResizeBilinear":
                if not attr(n, "half_pixel_centers") or attr(n, "align_corners"):
                    sys.exit(f"{name}: only half-pixel-centre bilinear resizes are mapped")
                self.resizes.append((name, x, out, np.asarray(self.const_input(ins[1]), np.int64)))
                self.emit("__resize__", [x], [out], tf_name=name)
            else:
                sys.exit(f"unsupported op {op} ({name})")


def cancel_transposes(graph: onnx.GraphProto, keep: set) -> None:
    """Removes Transpose → Transpose pairs whose perms compose to the identity (the first one's only reader)."""
    changed = True
    while changed:
        changed = False
        producer = {o: n for n in graph.node for o in n.output}
        readers: dict = {}
        for n in graph.node:
            for i in n.input:
                readers.setdefault(i, []).append(n)
        for n in list(graph.node):
            if n.op_type != "Transpose":
                continue
            first = producer.get(n.input[0])
            if first is None or first.op_type != "Transpose" or len(readers.get(first.output[0], [])) != 1 or first.output[0] in keep:
                continue
            p1 = list(first.attribute[0].ints)
            p2 = list(n.attribute[0].ints)
            composed = [p1[i] for i in p2]
            source, result = first.input[0], n.output[0]
            if result in keep:
                continue
            graph.node.remove(first)
            if composed == list(range(len(composed))):
                graph.node.remove(n)
                for m in graph.node:
                    for k, i in enumerate(m.input):
                        if i == result:
                            m.input[k] = source
            else:
                del n.attribute[:]
                n.attribute.extend([helper.make_attribute("perm", composed)])
                n.input[0] = source
            changed = True
            break


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("graph_json")
    ap.add_argument("weights_bin")
    ap.add_argument("out_onnx")
    args = ap.parse_args()
    model = json.load(open(args.graph_json))
    weights, half = load_weights(model, open(args.weights_bin, "rb").read())
    placeholder = next(n for n in model["modelTopology"]["node"] if n["op"] == "Placeholder")
    dims = [int(d["size"]) for d in placeholder["attr"]["shape"]["shape"]["dim"]]
    side = dims[2]
    c = Converter(model, weights, half)
    c.convert(side)

    def build(nodes, free_side: bool):
        size = "side" if free_side else side
        inputs = [helper.make_tensor_value_info(f"{placeholder['name']}:0", TensorProto.FLOAT, [1, 3, size, size])]
        outs = [helper.make_tensor_value_info(c.name(key), TensorProto.FLOAT, None) for key in c.outputs]
        inits = [numpy_helper.from_array(v, k) for k, v in sorted(c.initializers.items())]
        return helper.make_graph(nodes, "nanodet", inputs, outs, inits)

    # Each resize's input size at the converted side, by shape inference on a fixed-size copy in which
    # the resizes take the TF graph's sizes (opset 18 Resize with axes = the spatial ones).
    def with_resizes(resize_nodes):
        """The converted nodes, each resize placeholder replaced by what resize_nodes(node, tf_name, x, out, size) returns."""
        nodes = []
        for node in c.nodes:
            if node.op_type != "__resize__":
                nodes.append(node)
                continue
            tf_name = node.attribute[0].s.decode()
            _, x, out, size = next(r for r in c.resizes if r[0] == tf_name)
            nodes.extend(resize_nodes(node, tf_name, x, out, size))
        return nodes

    def probe_resize(node, tf_name, x, out, size):
        sizes = c.initializer(f"{tf_name}/probe_sizes", size.astype(np.int64))
        return [helper.make_node("Resize", [x, "", "", sizes], [out], name=node.name, mode="linear",
                                 coordinate_transformation_mode="half_pixel", axes=[1, 2])]

    probe = helper.make_model(build(with_resizes(probe_resize), False), opset_imports=[helper.make_opsetid("", 18)])
    inferred = onnx.shape_inference.infer_shapes(probe, strict_mode=True)
    known = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.graph.value_info}
    for k in [k for k in c.initializers if "/probe_sizes" in k]:
        del c.initializers[k]

    # The FPN's resizes as scales (each an exact ×2 or ×½ at the converted side), so any side works.
    def scaled_resize(node, tf_name, x, out, size):
        in_shape = known.get(x)
        if not in_shape or len(in_shape) != 4:
            sys.exit(f"{tf_name}: input shape unknown")
        h, w = in_shape[1], in_shape[2]  # NHWC
        sy, sx = size[0] / h, size[1] / w
        if sy not in (2.0, 0.5) or sx != sy:
            sys.exit(f"{tf_name}: resize {h}x{w} → {size.tolist()} is not an exact ×2 or ×½")
        scales = c.initializer(f"{tf_name}/scales", np.array([1, 1, sy, sx], np.float32))
        a, b = c.fresh("nchw"), c.fresh("nchw_out")
        return [
            helper.make_node("Transpose", [x], [a], perm=TO_NCHW, name=c.fresh("Transpose")),
            helper.make_node("Resize", [a, "", scales], [b], name=c.fresh("Resize"), mode="linear", coordinate_transformation_mode="half_pixel"),
            helper.make_node("Transpose", [b], [out], perm=TO_NHWC, name=c.fresh("Transpose")),
        ]

    final_nodes = with_resizes(scaled_resize)
    graph = build(final_nodes, True)
    keep = {c.name(k) for k in c.outputs}
    cancel_transposes(graph, keep)
    # Outputs keep the TF signature's names without ':0' (Identity, Identity_1, …).
    rename = {c.name(k): k.split(":")[0] for k in c.outputs}
    for n in graph.node:
        for k, o in enumerate(n.output):
            if o in rename:
                n.output[k] = rename[o]
    for o in graph.output:
        o.name = rename[o.name]
    graph.input[0].name = placeholder["name"]
    for n in graph.node:
        for k, i in enumerate(n.input):
            if i == f"{placeholder['name']}:0":
                n.input[k] = placeholder["name"]
    out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="shoebox convert-nanodet-onnx.py")
    out.ir_version = 8
    out = onnx.shape_inference.infer_shapes(out)
    onnx.checker.check_model(out, full_check=True)
    onnx.save(out, args.out_onnx)
    ops: dict = {}
    for n in out.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"wrote {args.out_onnx}: {len(out.graph.node)} nodes {ops}")


if __name__ == "__main__":
    main()
