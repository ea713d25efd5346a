// StepExecutorService end to end: the executor runs as a child process on a loopback port and is
// called with a grpc-js client built from the repository's protos. One executor process serves
// every test of this file (none of them changes its state).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { fromStruct, toStruct } from '../src/struct.js';
import { executorClient, startExecutor, stepRequest, unary } from './helpers.js';

const executor = await startExecutor({ after }, ['--max-concurrency', '3']);
const client = executorClient({ after }, executor.port);

const KNOWN_TEXT = 'The cat sat on the mat. The cat is happy!\nDogs bark loudly at night.';

test('ExecuteStep_KnownText_ReturnsExactStatistics', async () => {

  const response = await unary(
    client,
    'ExecuteStep',
    stepRequest(toStruct({ text: KNOWN_TEXT, top_n: 3, keywords: ['cat', 'night', 'The Cat', 'zebra'] })),
    { deadline: Date.now() + 5000 },
  );

  assert.equal(response.error, null);
  const output = fromStruct(response.output);
  // Counted by hand: 15 words of 51 letters and 17 syllables in 3 sentences on 2 lines.
  assert.deepEqual(
    {
      source: output.source,
      characters: output.characters,
      characters_no_spaces: output.characters_no_spaces,
      words: output.words,
      unique_words: output.unique_words,
      sentences: output.sentences,
      lines: output.lines,
      paragraphs: output.paragraphs,
      syllables: output.syllables,
      average_word_length: output.average_word_length,
      average_sentence_length: output.average_sentence_length,
      reading_time_seconds: output.reading_time_seconds,
    },
    {
      source: 'input',
      characters: 68,
      characters_no_spaces: 54,
      words: 15,
      unique_words: 12,
      sentences: 3,
      lines: 2,
      paragraphs: 1,
      syllables: 17,
      average_word_length: 3.4,
      average_sentence_length: 5,
      reading_time_seconds: 4,
    },
  );
  // Flesch reading ease: 206.835 - 1.015 * (15 / 3) - 84.6 * (17 / 15) = 105.88.
  assert.equal(output.flesch_reading_ease, 105.88);
  assert.equal(output.flesch_kincaid_grade, -0.27);
  assert.equal(output.reading_level, 'very easy');
  // "the", "on", "is", "at" are stop words; ties are broken alphabetically.
  assert.deepEqual(output.top_words, [
    { word: 'cat', count: 2 },
    { word: 'bark', count: 1 },
    { word: 'dogs', count: 1 },
  ]);
  assert.deepEqual(output.keywords, { cat: 2, night: 1, 'The Cat': 2, zebra: 0 });
});

test('ExecuteStep_NoTextField_AnalysesEveryStringOfTheDependencyOutputs', async () => {

  const response = await unary(
    client,
    'ExecuteStep',
    stepRequest(toStruct({ top_n: 3, stop_words: ['Hello'] }), {
      summarize: toStruct({ title: 'Quarterly report', items: ['Sales grew.', 42, { note: 'Costs fell sharply.' }], ok: true }),
      extract: toStruct({ message: 'hello world' }),
    }),
    { deadline: Date.now() + 5000 },
  );

  const output = fromStruct(response.output);
  assert.equal(output.source, 'dependencies');
  assert.equal(output.strings, 4); // 42 and true are not text
  assert.equal(output.words, 9);
  assert.equal(output.lines, 4); // one line per string, steps in id order
  assert.equal(output.sentences, 4);
  assert.deepEqual(output.top_words, [
    { word: 'costs', count: 1 },
    { word: 'fell', count: 1 },
    { word: 'grew', count: 1 },
  ]);
});

test('ExecuteStep_BadInput_FailsWithInvalidArgumentListingEveryProblem', async () => {

  const error = await unary(
    client,
    'ExecuteStep',
    stepRequest(toStruct({ text: 42, top_n: -1, keywords: 'cat', colour: 'red' })),
    { deadline: Date.now() + 5000 },
  ).then(
    () => assert.fail('expected INVALID_ARGUMENT'),
    (e) => e,
  );

  assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
  assert.match(error.details, /input\.colour: unknown field/);
  assert.match(error.details, /input\.top_n: must be an integer from 0 to 100, got -1/);
  assert.match(error.details, /input\.keywords: must be a list of strings/);
  assert.match(error.details, /input\.text: must be a string, got a number/);

  const empty = await unary(client, 'ExecuteStep', stepRequest(toStruct({})), { deadline: Date.now() + 5000 }).then(
    () => assert.fail('expected INVALID_ARGUMENT'),
    (e) => e,
  );
  assert.equal(empty.code, grpc.status.INVALID_ARGUMENT);
  assert.match(empty.details, /no dependency output holds a string/);

  // The executor keeps serving after bad input.
  const ok = await unary(client, 'ExecuteStep', stepRequest(toStruct({ text: 'Still here.' })), { deadline: Date.now() + 5000 });
  assert.equal(fromStruct(ok.output).words, 2);
});

test('ExecuteStep_UnknownStepType_FailsWithUnimplemented', async () => {

  const error = await unary(client, 'ExecuteStep', stepRequest(toStruct({ text: 'x' }), {}, { step_type: 'http_fetch' }), {
    deadline: Date.now() + 5000,
  }).then(
    () => assert.fail('expected UNIMPLEMENTED'),
    (e) => e,
  );

  assert.equal(error.code, grpc.status.UNIMPLEMENTED);
  assert.match(error.details, /'http_fetch' is not served.*text_stats/);
});

test('DescribeExecutor_ReturnsStepTypeSchemaCapacityAndLanguageLabel', async () => {

  const response = await unary(client, 'DescribeExecutor', {}, { deadline: Date.now() + 5000 });

  assert.equal(response.name, 'text-stats-node');
  assert.equal(response.max_concurrency, 3);
  assert.equal(response.labels.language, 'node');
  assert.deepEqual(
    response.step_types.map((s) => s.type),
    ['text_stats'],
  );
  const schema = fromStruct(response.step_types[0].input_schema);
  assert.deepEqual(Object.keys(schema.properties).sort(), ['keywords', 'stop_words', 'text', 'top_n']);
});

test('Health_Check_ReportsServingForTheServerAndTheExecutorService', async (t) => {
  const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(`127.0.0.1:${executor.port}`, grpc.credentials.createInsecure());
  t.after(() => client.close());

  for (const name of ['', 'grpcworkflows.v1.StepExecutorService']) {
    const response = await unary(client, 'check', { service: name }, { deadline: Date.now() + 5000 });
    assert.equal(response.status, 'SERVING', `health of '${name}'`);
  }
});
