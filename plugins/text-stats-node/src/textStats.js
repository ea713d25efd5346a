// The text_stats step: validation of its input and the statistics it computes.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { syllable } from 'syllable';
import { flesch } from 'flesch';
import { eng as englishStopWords } from 'stopword';

/** The step type this module serves. */
export const STEP_TYPE = 'text_stats';

/** Default number of entries in `top_words`. */
export const DEFAULT_TOP_N = 10;

/** Largest accepted `top_n`. */
export const MAX_TOP_N = 100;

/** Average silent reading speed (words per minute) used for `reading_time_seconds`. */
export const WORDS_PER_MINUTE = 238;

/** How many tokens are processed between two checks for cancellation. */
const CHECKPOINT_EVERY = 2048;

/**
 * A word: letters or digits, with inner apostrophes kept ("don't", "o’clock") and numbers kept
 * whole ("3.50", "1,000"); hyphens split words.
 */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+|(?<=\p{N})[.,]\p{N}+)*/gu;

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Where a sentence ends: white space after terminal punctuation (closing quotes or brackets may
 * follow it), or a line break. "3.5" does not end a sentence; abbreviations such as
 * "Dr. Smith" do (as with Intl.Segmenter, which is quadratic on long texts in V8).
 */
const SENTENCE_BREAK = /(?<=[.!?…。！？]+["'”’)\]]*)\s+|\r\n|\r|\n/u;

/** JSON Schema of the step's input, published by DescribeExecutor. */
export const INPUT_SCHEMA = Object.freeze({
  type: 'object',
  properties: {
    text: { type: 'string', description: 'The text to analyse. When absent, every string in the dependency outputs is analysed.' },
    top_n: { type: 'integer', minimum: 0, maximum: MAX_TOP_N, description: `Number of most frequent words to report (default ${DEFAULT_TOP_N}).` },
    keywords: { type: 'array', items: { type: 'string' }, description: 'Words or phrases to count (case-insensitive, whole words).' },
    stop_words: { type: 'array', items: { type: 'string' }, description: 'Extra words to leave out of top_words.' },
  },
  additionalProperties: false,
});

/** Bad step input: the executor answers it with INVALID_ARGUMENT and every problem listed. */
export class InvalidInputError extends Error {
  constructor(problems) {
    super(problems.join('; '));
    this.name = 'InvalidInputError';
    this.problems = problems;
  }
}

/**
 * Validates the step input and resolves the text to analyse.
 * @param {object} input the step's input as a plain object
 * @param {Record<string, object>} dependencies the dependency outputs, keyed by step id
 * @returns {{text: string, source: string, strings: number, topN: number, keywords: string[]|null, stopWords: Set<string>}}
 */
export function parseInput(input, dependencies) {
  const problems = [];
  for (const key of Object.keys(input)) {
    if (!(key in INPUT_SCHEMA.properties)) {
      problems.push(`input.${key}: unknown field (known: ${Object.keys(INPUT_SCHEMA.properties).join(', ')})`);
    }
  }

  let topN = DEFAULT_TOP_N;
  if (input.top_n !== undefined && input.top_n !== null) {
    if (!Number.isInteger(input.top_n) || input.top_n < 0 || input.top_n > MAX_TOP_N) {
      problems.push(`input.top_n: must be an integer from 0 to ${MAX_TOP_N}, got ${JSON.stringify(input.top_n)}`);
    } else {
      topN = input.top_n;
    }
  }

  const keywords = stringList(input, 'keywords', problems);
  const extraStopWords = stringList(input, 'stop_words', problems) ?? [];

  let text;
  let source;
  let strings;
  if (input.text !== undefined && input.text !== null) {
    if (typeof input.text !== 'string') {
      problems.push(`input.text: must be a string, got ${describeType(input.text)}`);
    } else {
      text = input.text;
      source = 'input';
      strings = 1;
    }
  } else {
    const collected = [];
    for (const stepId of Object.keys(dependencies).sort()) {
      collectStrings(dependencies[stepId], collected);
    }
    if (collected.length === 0) {
      problems.push('input.text: absent, and no dependency output holds a string to analyse');
    } else {
      text = collected.join('\n');
      source = 'dependencies';
      strings = collected.length;
    }
  }

  if (problems.length > 0) {
    throw new InvalidInputError(problems);
  }

  const stopWords = new Set(englishStopWords);
  for (const word of extraStopWords) {
    stopWords.add(word.toLowerCase());
  }
  return { text, source, strings, topN, keywords, stopWords };
}

/**
 * Computes the statistics of a text. Long texts are processed in slices; between two slices the
 * event loop runs, so a cancellation or a deadline (through `signal`) stops the work promptly.
 * @param {ReturnType<typeof parseInput>} parsed the validated input
 * @param {AbortSignal} [signal] aborts the work
 */
export async function computeTextStats(parsed, signal) {
  const { text, topN, keywords, stopWords } = parsed;
  let ticks = 0;
  const due = () => (ticks += 1) % CHECKPOINT_EVERY === 0;
  const pause = async () => {
    await yieldToEventLoop();
    signal?.throwIfAborted();
  };
  signal?.throwIfAborted();

  const words = [];
  let letters = 0;
  let syllables = 0;
  const syllablesOf = new Map();
  const counts = new Map();
  for (const match of text.matchAll(WORD)) {
    if (due()) await pause();
    const word = match[0].toLowerCase();
    words.push(word);
    letters += [...word].length;
    let wordSyllables = syllablesOf.get(word);
    if (wordSyllables === undefined) {
      wordSyllables = syllable(word);
      syllablesOf.set(word, wordSyllables);
    }
    syllables += wordSyllables;
    if (!stopWords.has(word) && word.length > 1 && !/^[\p{N}.,]+$/u.test(word)) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }

  let sentences = 0;
  for (const piece of text.split(SENTENCE_BREAK)) {
    if (due()) await pause();
    if (piece !== undefined && /[\p{L}\p{N}]/u.test(piece)) {
      sentences += 1;
    }
  }

  const lines = text.length === 0 ? 0 : text.split(LINE_BREAK).length;
  const paragraphs = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).filter((p) => p.trim().length > 0).length;
  const characters = [...text].length;
  const charactersNoSpaces = [...text.replace(/\s/gu, '')].length;

  const topWords = [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, topN)
    .map(([word, count]) => ({ word, count }));

  const readable = words.length > 0 && sentences > 0;
  const readingEase = readable ? round(flesch({ sentence: sentences, word: words.length, syllable: syllables }), 2) : null;
  const gradeLevel = readable
    ? round(0.39 * (words.length / sentences) + 11.8 * (syllables / words.length) - 15.59, 2)
    : null;

  const output = {
    source: parsed.source,
    strings: parsed.strings,
    characters,
    characters_no_spaces: charactersNoSpaces,
    words: words.length,
    unique_words: new Set(words).size,
    sentences,
    lines,
    paragraphs,
    syllables,
    average_word_length: words.length > 0 ? round(letters / words.length, 2) : 0,
    average_sentence_length: sentences > 0 ? round(words.length / sentences, 2) : 0,
    flesch_reading_ease: readingEase,
    flesch_kincaid_grade: gradeLevel,
    reading_level: readingEase === null ? null : readingLevel(readingEase),
    reading_time_seconds: Math.ceil((words.length / WORDS_PER_MINUTE) * 60),
    top_words: topWords,
  };
  if (keywords !== null) {
    output.keywords = await countKeywords(words, keywords, due, pause);
  }
  return output;
}

/** Counts each keyword (a word or a phrase) as a whole-word, case-insensitive sequence in `words`. */
async function countKeywords(words, keywords, due, pause) {
  const result = {};
  for (const keyword of keywords) {
    const phrase = [...keyword.toLowerCase().matchAll(WORD)].map((m) => m[0]);
    let count = 0;
    if (phrase.length > 0) {
      for (let i = 0; i + phrase.length <= words.length; i += 1) {
        if (due()) await pause();
        let same = true;
        for (let j = 0; j < phrase.length && same; j += 1) {
          same = words[i + j] === phrase[j];
        }
        if (same) {
          count += 1;
        }
      }
    }
    result[keyword] = count;
  }
  return result;
}

/** The band of a Flesch reading-ease score (Flesch, 1948). */
function readingLevel(score) {
  if (score >= 90) return 'very easy';
  if (score >= 80) return 'easy';
  if (score >= 70) return 'fairly easy';
  if (score >= 60) return 'standard';
  if (score >= 50) return 'fairly difficult';
  if (score >= 30) return 'difficult';
  return 'very difficult';
}

function stringList(input, field, problems) {
  const value = input[field];
  if (value === undefined || value === null) {
    return null;
  }
  if (!Array.isArray(value)) {
    problems.push(`input.${field}: must be a list of strings, got ${describeType(value)}`);
    return null;
  }
  const bad = value.findIndex((item) => typeof item !== 'string' || item.trim().length === 0);
  if (bad >= 0) {
    problems.push(`input.${field}[${bad}]: must be a non-empty string, got ${JSON.stringify(value[bad])}`);
    return null;
  }
  return value;
}

/** Every string in a JSON-like value, depth first, object keys in their stored order. */
function collectStrings(value, into) {
  if (typeof value === 'string') {
    if (value.trim().length > 0) {
      into.push(value);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collectStrings(item, into);
  }
}

function describeType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
