// Hostile requests (issue 10 §3), sent raw over a socket through the local edge with both
// normalizer builds: each row of test/fixtures/hostile/requests.json names its status and its
// one-line reason. Nothing answers 5xx, and the edge still serves a plain request afterwards.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EmbeddedS3 } from '../../../infra/local/s3-server';
import { configWith } from '../../helpers/config';
import { fixture } from '../../helpers/fixtures';
import { decode } from '../../helpers/images';
import { rawRequest, type RawAnswer } from '../../helpers/http';
import { SAMPLES, startEdgePair, startSampleS3, type EdgePair } from '../../helpers/sample-edges';

interface Answer {
  readonly status: number;
  readonly reason?: string;
  readonly image?: { format: string; width: number; height?: number };
  readonly original?: string;
  readonly empty?: boolean;
}
interface Row {
  readonly name: string;
  readonly method?: string;
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly pad?: number;
  readonly edge?: 'presets';
  readonly expect: Answer;
  /** Today's answer where it is not yet the issue's; status 0: no answer at all. */
  readonly today?: Answer & { owner?: string; why: string };
}

const ROWS = fixture<{ rows: Row[] }>('hostile/requests.json').rows;

/** The config of the `presets` edges: both bundles are built with it. */
export const PRESETS_CONFIG = {
  widths: [64, 128, 256, 400, 640, 1080],
  qualities: [50, 75, 90],
  presets: { card: 'w=400&h=300&fit=cover', thumb: 'w=160&h=160&fit=cover&f=webp&q=60' },
  presetsOnly: true,
};

function target(row: Row): string {
  if (row.pad === undefined) return row.target;
  const prefix = row.target + (row.target.includes('?') ? '&' : '?') + 'filler=';
  return prefix + 'a'.repeat(row.pad - prefix.length);
}

/** Why `response` is not `answer`, or null when it is. */
async function mismatch(response: RawAnswer | null, answer: Answer): Promise<string | null> {
  if (!response) return answer.status === 0 ? null : 'no answer: the connection closed';
  if (response.status !== answer.status) return `status ${response.status}, body ${JSON.stringify(response.body.toString('utf8').slice(0, 160))}`;
  const text = response.body.toString('utf8');
  if (answer.reason !== undefined) {
    const plain = (response.headers['content-type'] || '').startsWith('text/plain');
    if (answer.reason === '' ? text !== '' : plain ? text !== answer.reason + '\n' : !text.includes(answer.reason)) {
      return `reason ${JSON.stringify(text.slice(0, 200))}`;
    }
  }
  if (answer.empty && response.body.length) return `a body of ${response.body.length} bytes`;
  if (answer.original && !response.body.equals(readFileSync(path.join(SAMPLES, answer.original)))) return `not the bytes of ${answer.original}`;
  if (answer.image) {
    let decoded;
    try {
      decoded = await decode(response.body);
    } catch (error) {
      return `a body sharp cannot decode (${(error as Error).message})`;
    }
    const { format, width, height } = answer.image;
    if (decoded.format !== format || decoded.width !== width || (height !== undefined && decoded.height !== height)) {
      return `image ${decoded.format} ${decoded.width}x${decoded.height}`;
    }
  }
  return null;
}

/** Row name to the helper whose change gives the issue's answer, for the rows that still get today's. */
interface Context { s3: EmbeddedS3; plain: EdgePair; presets: EdgePair; onToday: Map<string, string> }
const hostile = suite<Context>('hostile requests through the local edge', { onToday: new Map() } as unknown as Context);
const consoleLog = console.log;

hostile.before(async (context) => {
  // The resizer bundle logs a JSON line per invocation, as it does to CloudWatch.
  console.log = () => undefined;
  context.s3 = await startSampleS3();
  context.plain = await startEdgePair(context.s3, configWith());
  context.presets = await startEdgePair(context.s3, configWith(PRESETS_CONFIG), { build: true });
});

hostile.after(async (context) => {
  await context.plain?.close();
  await context.presets?.close();
  await context.s3?.stop();
  console.log = consoleLog;
  if (context.onToday.size) {
    const rows = [...context.onToday].map(([name, owner]) => `${name} (${owner})`).join('; ');
    process.stderr.write(`hostile requests: ${context.onToday.size} rows still get today's answer, not the issue's: ${rows}\n`);
  }
});

hostile('the table: at least 80 rows, every method the issue names, no row expecting a 5xx', () => {
  assert.ok(ROWS.length >= 80, `${ROWS.length} rows`);
  const methods = new Set(ROWS.map((row) => row.method || 'GET'));
  for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) assert.ok(methods.has(method), method);
  for (const row of ROWS) {
    assert.ok(row.expect.status < 500, `${row.name} expects ${row.expect.status}`);
    assert.ok([200, 400, 403, 404, 405, 414, 422].includes(row.expect.status), `${row.name}: ${row.expect.status} is not a status the issue allows`);
    assert.ok(row.expect.reason !== undefined || row.expect.image || row.expect.original || row.expect.empty, `${row.name} checks what it gets`);
  }
  assert.is(new Set(ROWS.map((row) => row.name)).size, ROWS.length, 'names are unique');
});

for (const row of ROWS) {
  hostile(`${row.name}: ${row.method || 'GET'} ${JSON.stringify(row.target.slice(0, 60))} is ${row.expect.status}`, async (context) => {
    for (const [runtime, edge] of (row.edge === 'presets' ? context.presets : context.plain).edges) {
      // No answer at all (the socket closed) is null.
      const response = await rawRequest(edge.port, row.method || 'GET', target(row), Object.entries(row.headers || {}), row.body).catch(() => null);
      const wrong = await mismatch(response, row.expect);
      if (wrong === null) continue;
      if (row.today && (await mismatch(response, row.today)) === null) {
        context.onToday.set(row.name, row.today.owner || 'open');
        continue;
      }
      assert.unreachable(`${runtime}: ${wrong}${row.today ? ` (and not today's answer: ${row.today.why})` : ''}`);
    }
  });
}

hostile('afterwards every edge still serves a plain request: nothing was poisoned and nothing died', async (context) => {
  for (const pair of [context.plain, context.presets]) {
    for (const [runtime, edge] of pair.edges) {
      const target = pair === context.plain ? '/dev/photo.jpg?w=33&f=png' : '/dev/photo.jpg?p=card';
      const response = await rawRequest(edge.port, 'GET', target);
      assert.is(response?.status, 200, `${runtime} ${target}`);
      assert.ok((await decode(response!.body)).width > 0);
    }
  }
});

hostile.run();
