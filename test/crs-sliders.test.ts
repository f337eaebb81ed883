/** The preset editor's sliders write values as Camera Raw does, within its ranges (src-shared/crs-sliders.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CRS_SLIDERS, formatCrsValue, sliderValue, withSlider } from '../src-shared/crs-sliders.js';
import { adjustmentsFromCrs } from '../src-worker/export/adjustments.js';

const slider = (key: string) => CRS_SLIDERS.find((s) => s.key === key)!;

describe('crs sliders', () => {
  it('formats values in Camera Raw’s text form', () => {
    assert.equal(formatCrsValue(slider('Exposure2012'), 0.5), '+0.50');
    assert.equal(formatCrsValue(slider('Exposure2012'), -1.25), '-1.25');
    assert.equal(formatCrsValue(slider('Exposure2012'), 0), '0.00');
    assert.equal(formatCrsValue(slider('Contrast2012'), 15), '+15');
    assert.equal(formatCrsValue(slider('Contrast2012'), -15), '-15');
    assert.equal(formatCrsValue(slider('Contrast2012'), 0), '0');
    assert.equal(formatCrsValue(slider('Sharpness'), 40), '40');
    assert.equal(formatCrsValue(slider('SharpenRadius'), 1), '1.0');
    assert.equal(formatCrsValue(slider('Exposure2012'), 9), '+5.00', 'clamped to the range');
  });

  it('reads a preset’s values (neutral when unset or unreadable) and keeps every other setting when one changes', () => {
    assert.equal(sliderValue({ Shadows2012: '+25' }, slider('Shadows2012')), 25);
    assert.equal(sliderValue({}, slider('SharpenRadius')), 1);
    assert.equal(sliderValue({ Vibrance: 'lots' }, slider('Vibrance')), 0);
    const next = withSlider({ ToneCurvePV2012: ['0, 0', '255, 255'], Vibrance: '+10' }, slider('Vibrance'), -20);
    assert.deepEqual(next, { ToneCurvePV2012: ['0, 0', '255, 255'], Vibrance: '-20' });
  });

  it('every slider the export renders reads back through the renderer with the same value', () => {
    for (const key of ['Exposure2012', 'Contrast2012', 'Highlights2012', 'Shadows2012', 'Whites2012', 'Blacks2012', 'Vibrance', 'Saturation', 'Sharpness', 'Clarity2012'] as const) {
      const s = slider(key);
      const v = s.key === 'Exposure2012' ? 1.35 : 37;
      const a = adjustmentsFromCrs(withSlider({}, s, v));
      const read = { Exposure2012: a.exposureEv, Contrast2012: a.contrast, Highlights2012: a.highlights, Shadows2012: a.shadows, Whites2012: a.whites, Blacks2012: a.blacks, Vibrance: a.vibrance, Saturation: a.saturation, Sharpness: a.sharpness, Clarity2012: a.clarity }[key];
      assert.equal(read, v, key);
    }
  });
});
