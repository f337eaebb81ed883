/** Pure pieces behind the UI: quality in words, camera names, dates, the timeline's buckets, map clusters, the "nothing changed" notice. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraName, exposureTimeText, exposureWord, focalLengthText, priorityLabel, qualityWords, sharpnessWord, takenAtText } from '../src-shared/photo-words.js';
import { bucketsOf } from '../src-shared/timeline-buckets.js';
import { clusterPoints } from '../src-shared/geo-cluster.js';
import { ingestNotice } from '../src-shared/ingest-notice.js';
import type { IngestInfo } from '../src-shared/api/contract.js';

describe('photo words', () => {
  it('says sharpness and exposure in words', () => {
    assert.equal(sharpnessWord(0.8), 'sharp');
    assert.equal(sharpnessWord(0.4), 'slightly soft');
    assert.equal(sharpnessWord(0.1), 'blurry');
    assert.equal(exposureWord({ clippedHighlights: 0.1, meanLuma: 200 }), 'blown highlights');
    assert.equal(exposureWord({ clippedHighlights: 0, clippedShadows: 0.01, meanLuma: 40 }), 'dark');
    assert.equal(exposureWord({ clippedHighlights: 0.001, clippedShadows: 0.01, meanLuma: 120 }), 'well exposed');
    assert.equal(qualityWords({ sharpness: 0.7, exposure: 0.9, meanLuma: 120, noise: 1, eyes: 1 }).summary, 'sharp, well exposed');
    assert.equal(qualityWords({ sharpness: 0.2, exposure: 0.5, clippedHighlights: 0.2, noise: 0.6, eyes: 0.7 }).summary, 'blurry, blown highlights, noisy, eyes closed');
    assert.equal(qualityWords(undefined).summary, '');
  });
  it('names the follow-up priority as such', () => {
    assert.equal(priorityLabel('low'), 'follow-up priority low');
    assert.equal(priorityLabel('LOUD'), null);
  });
  it('names cameras without the make twice, and formats exposure, focal length and dates', () => {
    assert.equal(cameraName('Canon', 'Canon EOS 40D'), 'Canon EOS 40D');
    assert.equal(cameraName('NIKON CORPORATION', 'NIKON D70'), 'NIKON D70');
    assert.equal(cameraName('OLYMPUS IMAGING CORP.', 'E-M5'), 'OLYMPUS E-M5');
    assert.equal(cameraName(null, null), null);
    assert.equal(focalLengthText(10.8125), '10.8 mm');
    assert.equal(focalLengthText(50.4), '50 mm');
    assert.equal(exposureTimeText(0.004), '1/250 s');
    assert.equal(exposureTimeText(2), '2 s');
    assert.equal(takenAtText('2008-05-30T15:56:01'), '30 May 2008, 15:56');
    assert.equal(takenAtText('2008-05-30T15:56:01+02:00'), '30 May 2008, 15:56');
    assert.equal(takenAtText('not a date'), 'not a date');
  });
});

describe('timeline buckets', () => {
  it('keeps days over a short span and months (empty ones too) over a long one', () => {
    assert.deepEqual(bucketsOf([{ day: '2020-01-02', count: 2 }, { day: '2020-01-05', count: 1 }]).buckets.map((b) => [b.key, b.count]), [['2020-01-02', 2], ['2020-01-05', 1]]);
    const long = bucketsOf([{ day: '2019-11-30', count: 1 }, { day: '2020-02-10', count: 3 }]);
    assert.equal(long.unit, 'month');
    assert.deepEqual(long.buckets.map((b) => [b.key, b.count, b.from, b.to]), [
      ['2019-11', 1, '2019-11-01', '2019-11-30'],
      ['2019-12', 0, '2019-12-01', '2019-12-31'],
      ['2020-01', 0, '2020-01-01', '2020-01-31'],
      ['2020-02', 3, '2020-02-01', '2020-02-29'],
    ]);
    assert.deepEqual(bucketsOf([]).buckets, []);
  });
});

describe('map clusters', () => {
  it('merges nearby points and keeps their bounds', () => {
    const clusters = clusterPoints([{ lat: 43.46, lon: 11.88 }, { lat: 43.47, lon: 11.89 }, { lat: 60.1, lon: 24.9 }], 5);
    assert.deepEqual(clusters.map((c) => c.count).sort(), [1, 2]);
    const italy = clusters.find((c) => c.count === 2)!;
    assert.deepEqual([italy.south, italy.west, italy.north, italy.east], [43.46, 11.88, 43.47, 11.89]);
  });
});

describe('ingest notice', () => {
  const ingest = (state: IngestInfo['state'], totals: Partial<IngestInfo['totals']>, id = 'a'): IngestInfo => ({
    id, roots: ['/photos'], state, startedAt: '', finishedAt: null,
    totals: { photos: 0, queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0, ...totals },
  });
  it('says "nothing changed" once when a finished ingest analysed nothing', () => {
    const done = ingest('done', { photos: 13, skipped: 12, failed: 1 });
    assert.equal(ingestNotice(null, done), 'Nothing changed in /photos: 12 photos analysed before; 1 still failing');
    assert.equal(ingestNotice(ingest('running', { photos: 13 }), done), 'Nothing changed in /photos: 12 photos analysed before; 1 still failing');
    assert.equal(ingestNotice(done, done), null, 'already said');
    assert.equal(ingestNotice(null, ingest('done', { photos: 13, skipped: 10, completed: 3 })), null, 'there was work');
    assert.equal(ingestNotice(null, ingest('running', { photos: 13, skipped: 13 })), null);
    assert.equal(ingestNotice(null, ingest('done', { photos: 0 })), 'No photos found in /photos');
  });
});
