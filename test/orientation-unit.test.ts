/**
 * The rotation correction's composition with EXIF orientation (issue 17): for every one of the 8 EXIF
 * orientations and each of the 4 corrections, the composed orientation applied in ONE sharp pipeline
 * gives the same pixels as showing the file as libvips' own EXIF auto-orient does and then turning it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { composeOrientation, exifOrientation, ROTATIONS, swapsSides, turn, type Rotation } from '../src-shared/orientation.js';
import { applyOrientation } from '../src-worker/stages/preprocess.js';

/** A 3 × 2 image whose six pixels all differ, so every flip and turn gives a different buffer. */
async function asymmetric(orientation?: number): Promise<Buffer> {
  const data = Buffer.from([0, 0, 0, 40, 0, 0, 80, 0, 0, 0, 120, 0, 0, 160, 0, 0, 0, 200]);
  const png = sharp(data, { raw: { width: 3, height: 2, channels: 3 } }).png();
  return (orientation ? png.withMetadata({ orientation }) : png).toBuffer();
}

async function pixels(img: sharp.Sharp): Promise<string> {
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return `${info.width}x${info.height}:${data.toString('hex')}`;
}

describe('orientation composition (EXIF × correction)', () => {
  for (let exif = 1; exif <= 8; exif++) {
    for (const correction of ROTATIONS) {
      it(`EXIF ${exif} turned ${correction}° clockwise`, async () => {
        const source = await asymmetric(exif);
        // What a person saw (libvips reads the EXIF tag itself), then turned; materialised in between
        // because sharp applies one rotation per pipeline.
        const shown = await sharp(source).rotate().png().toBuffer();
        const expected = await pixels(sharp(shown).rotate(correction));
        const composed = composeOrientation(exif, correction);
        assert.equal(await pixels(applyOrientation(sharp(await asymmetric()), composed)), expected, `composed orientation ${composed}`);
        const swapped = swapsSides(exif) !== (correction % 180 === 90);
        assert.equal(swapsSides(composed), swapped);
      });
    }
  }

  it('no correction keeps the EXIF value; missing or invalid EXIF counts as 1', () => {
    for (let o = 1; o <= 8; o++) assert.equal(composeOrientation(o, 0), o);
    for (const bad of [null, undefined, 0, 9, 2.5, -1]) assert.equal(exifOrientation(bad), 1);
    assert.equal(composeOrientation(null, 90), 6);
    assert.equal(composeOrientation(9, 270), 8);
  });

  it('turns: left, right and 180 relative to the current correction, four lefts undo', () => {
    assert.equal(turn(0, 'right'), 90);
    assert.equal(turn(0, 'left'), 270);
    assert.equal(turn(90, '180'), 270);
    let r: Rotation = 90;
    for (let i = 0; i < 4; i++) r = turn(r, 'left');
    assert.equal(r, 90);
  });
});
