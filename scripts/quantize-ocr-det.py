#!/usr/bin/env python3
"""Static int8 (QDQ) quantisation of the PP-OCRv4 text detector (issue 19), calibrated on real inputs.

How to run (offline; the wheels come from the local index /opt/pypi):
    python3 -m venv /tmp/q && /tmp/q/bin/pip install --no-index --find-links /opt/pypi/files onnx onnxruntime numpy
    npx tsc -p tsconfig.json && node dist/test/bench/ocr-calibration.js /tmp/ocr-calib
    /tmp/q/bin/python scripts/quantize-ocr-det.py /tmp/ocr-calib models/ch_PP-OCRv4_det_infer.onnx models/ch_PP-OCRv4_det_int8.onnx
(defaults: percentile calibration on the 960 × 640 inputs, Conv / ConvTranspose quantised except the parts
--keep-float names; the shipped file is reproducible byte for byte from the same calibration set) then put the new file's sha256 and size into models/manifest.json (id ocr-det-int8) and models/MODELS.md.

The calibration set is the detector's input exactly as src-worker/ml/ocr.ts builds it: ocr-calibration.js
writes each image resized to the full pass (960 px) and the gate pass (640 px) as raw RGB; here it becomes
BGR planes normalised with ImageNet mean/std, as in ocr.ts. Weights int8 per output channel, activations
uint8 per tensor (QDQ, so onnxruntime fuses them into QLinearConv / int8 kernels).
Measured (models/MODELS.md, `npm run eval -- --only ocr-int8`): ~0.8 x the fp32 CPU time, 0.92 recall of
fp32's lines by exact text, so it is opt-in (SHOEBOX_OCR_DET_MODEL=int8), not the default.
"""
import argparse
import os
import re
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper, version_converter
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])
NAME = re.compile(r"^\d+-(\d+)x(\d+)\.rgb$")


def detector_input(path: str, width: int, height: int) -> np.ndarray:
    """Raw RGB bytes → [1, 3, H, W] float32, BGR planes, (v / 255 − mean) / std (float64 maths, as ocr.ts's tables)."""
    rgb = np.fromfile(path, dtype=np.uint8).reshape(height, width, 3).astype(np.float64)
    norm = (rgb / 255.0 - MEAN) / STD
    bgr = norm[:, :, ::-1].transpose(2, 0, 1)
    return np.ascontiguousarray(bgr[None].astype(np.float32))


class Inputs(CalibrationDataReader):
    def __init__(self, folder: str, every: int = 1, one_shape: str = ""):
        self.files = []
        for f in sorted(os.listdir(folder)):
            m = NAME.match(f)
            if m:
                self.files.append((os.path.join(folder, f), int(m.group(1)), int(m.group(2))))
        if not self.files:
            sys.exit(f"no <n>-<W>x<H>.rgb files in {folder}: run node dist/test/bench/ocr-calibration.js {folder} first")
        if one_shape:  # the histogram calibrators stack every run's tensors, so they need one input shape
            self.files = [f for f in self.files if f"{f[1]}x{f[2]}" == one_shape]
        self.files = self.files[::every]
        self.i = 0

    def get_next(self):
        if self.i >= len(self.files):
            return None
        path, w, h = self.files[self.i]
        self.i += 1
        return {"x": detector_input(path, w, h)}

    def rewind(self):
        self.i = 0


def constants_to_initializers(model: onnx.ModelProto) -> onnx.ModelProto:
    """The Paddle export keeps its weights in Constant nodes; the quantiser only quantises initializers."""
    keep = []
    for node in model.graph.node:
        if node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
            t = numpy_helper.to_array(node.attribute[0].t)
            model.graph.initializer.append(numpy_helper.from_array(t, node.output[0]))
        else:
            keep.append(node)
    del model.graph.node[:]
    model.graph.node.extend(keep)
    return model


def float_nodes(model: onnx.ModelProto, keep: set) -> list:
    """Names of the nodes left in float: `first` = the Conv on the image, `head` = the DB head (everything
    from the neck's Concat on: its Conv and the two ConvTranspose), `se` = the squeeze-and-excitation Convs
    (on a 1 × 1 pooled tensor: no time to gain, and their scales multiply whole feature maps), `dw` = the
    depthwise Convs (group > 1)."""
    producer = {o: n for n in model.graph.node for o in n.output}
    graph_input = model.graph.input[0].name
    names = []
    after_concat = False
    for n in model.graph.node:
        if n.op_type == "Concat":
            after_concat = True
        if n.op_type not in ("Conv", "ConvTranspose"):
            continue
        src = producer.get(n.input[0])
        src2 = producer.get(src.input[0]) if src is not None and src.op_type == "Relu" else None
        src3 = producer.get(src2.input[0]) if src2 is not None and src2.op_type == "Conv" else None
        if "first" in keep and n.input[0] == graph_input:
            names.append(n.name)
        elif "head" in keep and after_concat:
            names.append(n.name)
        elif "dw" in keep and any(a.name == "group" and a.i > 1 for a in n.attribute):
            names.append(n.name)
        elif "se" in keep and ((src is not None and src.op_type == "GlobalAveragePool") or (src3 is not None and src3.op_type == "GlobalAveragePool")):
            names.append(n.name)
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("calibration_dir")
    ap.add_argument("source")
    ap.add_argument("target")
    ap.add_argument("--method", choices=["minmax", "percentile", "entropy"], default="percentile")
    ap.add_argument("--ops", default="Conv,ConvTranspose", help="comma-separated op types to quantise (the rest stays float)")
    ap.add_argument("--keep-float", default="first,head,se,dw", help="parts left in float: any of first, head, se, dw (see float_nodes)")
    ap.add_argument("--calib-every", type=int, default=1, help="use every n-th calibration input (memory: percentile / entropy keep histograms)")
    args = ap.parse_args()

    model = constants_to_initializers(onnx.load(args.source))
    # Per-channel QuantizeLinear needs opset 13.
    model = version_converter.convert_version(model, 13)
    with tempfile.TemporaryDirectory() as tmp:
        staged = os.path.join(tmp, "staged.onnx")
        prepared = os.path.join(tmp, "prepared.onnx")
        onnx.save(model, staged)
        # Shape inference and graph folding (BatchNorm into Conv) before calibration, as onnxruntime advises.
        quant_pre_process(staged, prepared, skip_symbolic_shape=True)
        excluded = float_nodes(onnx.load(prepared), {k for k in args.keep_float.split(",") if k})
        print(f"left in float: {len(excluded)} nodes ({', '.join(excluded)})")
        method = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile, "entropy": CalibrationMethod.Entropy}[args.method]
        quantize_static(
            prepared,
            args.target,
            Inputs(args.calibration_dir, args.calib_every, "" if args.method == "minmax" else "960x640"),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=method,
            op_types_to_quantize=[o for o in args.ops.split(",") if o],
            nodes_to_exclude=excluded,
            extra_options={"CalibMovingAverage": False},
        )
    print(f"wrote {args.target}")


if __name__ == "__main__":
    main()
