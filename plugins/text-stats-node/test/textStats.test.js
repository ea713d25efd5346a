// The text_stats computation on its own: edge cases of counting, and stopping when aborted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeTextStats, parseInput } from '../src/textStats.js';
import { fromStruct, toStruct } from '../src/struct.js';

test('computeTextStats_ApostrophesHyphensParagraphs_CountedAsDocumented', async () => {
  const text = "Don't stop-start.\n\nIt's 9 o'clock!\r\nDone";
  const output = await computeTextStats(parseInput({ text }, {}));

  // don't | stop | start | it's | 9 | o'clock | done
  assert.equal(output.words, 7);
  assert.equal(output.lines, 4);
  assert.equal(output.paragraphs, 2);
  assert.equal(output.sentences, 3);
  // Numbers and stop words ("it's" is not in the list, "9" is a number) are left out of top_words.
  assert.deepEqual(
    output.top_words.map((w) => w.word),
    ["don't", 'done', "it's", "o'clock", 'start', 'stop'],
  );
});

test('computeTextStats_ExtraStopWordsAndTopNZero_Honoured', async () => {
  const output = await computeTextStats(parseInput({ text: 'Alpha beta beta gamma.', stop_words: ['BETA'] }, {}));
  assert.deepEqual(output.top_words, [
    { word: 'alpha', count: 1 },
    { word: 'gamma', count: 1 },
  ]);

  const none = await computeTextStats(parseInput({ text: 'Alpha beta.', top_n: 0 }, {}));
  assert.deepEqual(none.top_words, []);
});

test('computeTextStats_NoWords_ReadabilityIsNull', async () => {
  const output = await computeTextStats(parseInput({ text: '... !!! ' }, {}));
  assert.equal(output.words, 0);
  assert.equal(output.sentences, 0);
  assert.equal(output.average_word_length, 0);
  assert.equal(output.flesch_reading_ease, null);
  assert.equal(output.reading_level, null);
});

test('computeTextStats_AbortedDuringWork_StopsWithTheAbortReason', async () => {
  const parsed = parseInput({ text: 'word '.repeat(200000) }, {});
  const abort = new AbortController();
  // Fires at the first point where the computation lets the event loop run.
  setImmediate(() => abort.abort('cancelled'));

  await assert.rejects(computeTextStats(parsed, abort.signal), (reason) => reason === 'cancelled');
});

test('struct_RoundTrip_KeepsNestedValues', () => {
  const value = { s: 'x', n: 1.5, b: false, nil: null, list: [1, 'two', { three: 3 }], nested: { deep: { er: true } } };
  assert.deepEqual(fromStruct(toStruct(value)), value);
});

test('computeTextStats_DecimalsAndClosingQuotes_SentenceBreaksAsDocumented', async () => {
  const output = await computeTextStats(parseInput({ text: 'It costs 3.50 now. "Really?" she asked.' }, {}));
  // "It costs 3.50 now." | "Really?" | she asked.
  assert.equal(output.sentences, 3);
  assert.equal(output.words, 7); // 3.50 is one word
  assert.ok(!output.top_words.some((w) => w.word === '3.50'), 'numbers are not top words');
});

test('computeTextStats_LargeText_TakesLinearTime', async () => {
  // 180,000 words (~900 KB): about a second here; a quadratic step (Intl.Segmenter over the whole
  // text took 77 s) would blow far past the bound.
  const parsed = parseInput({ text: 'The quick brown fox jumps over the lazy dog. '.repeat(20000) }, {});
  const started = Date.now();
  const output = await computeTextStats(parsed);
  assert.equal(output.words, 180000);
  assert.equal(output.sentences, 20000);
  assert.ok(Date.now() - started < 15000, `took ${Date.now() - started} ms`);
});
