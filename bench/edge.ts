// The local edge over HTTP: miss latency (viewer function, S3, resizer, cache store) and hit
// latency (viewer function and cache), p50 and p99 at concurrency 1 and 8, and throughput.
import http from 'node:http';
import { createLocalEdge } from '../infra/local/edge';
import { S3RVER_CREDENTIALS } from '../infra/local/s3-server';
import type { Config } from '../shared/config';
import { percentile } from './stats';

export interface EdgeResult {
  readonly kind: 'miss' | 'hit';
  readonly concurrency: number;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

function get(agent: http.Agent, url: string): Promise<{ status: number; xCache: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers: { accept: 'image/avif,image/webp,*/*' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode || 0, xCache: String(res.headers['x-cache'] || '') }));
    }).on('error', reject);
  });
}

async function load(agent: http.Agent, urls: readonly string[], concurrency: number, expect: string): Promise<{ ms: number[]; wall: number }> {
  const ms: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      const t = performance.now();
      const { status, xCache } = await get(agent, url);
      ms.push(performance.now() - t);
      if (status !== 200 || !xCache.startsWith(expect)) throw new Error(`${url}: ${status} ${xCache}, expected 200 ${expect}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms, wall: performance.now() - started };
}

export async function benchEdge(config: Config, s3: { endpoint: string; bucket: string }, key: string, misses: number, hits: number): Promise<EdgeResult[]> {
  const edge = await createLocalEdge({
    config, port: 0, log: () => undefined,
    s3: { endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', credentials: S3RVER_CREDENTIALS },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const results: EdgeResult[] = [];
  const quiet = console.log;
  console.log = () => undefined; // the resizer's log lines
  try {
    let width = 100;
    for (const concurrency of [1, 8]) {
      // Misses: a new width each time, so every request runs the resizer.
      const warm = `${edge.url}/${key}?w=${width++}&f=webp`;
      await get(agent, warm);
      const missUrls = Array.from({ length: misses }, () => `${edge.url}/${key}?w=${width++}&h=150&f=webp`);
      const miss = await load(agent, missUrls, concurrency, 'Miss');
      results.push({ kind: 'miss', concurrency, requests: misses, p50: percentile(miss.ms, 0.5), p99: percentile(miss.ms, 0.99), perSecond: (misses * 1000) / miss.wall });
      const hitUrl = `${edge.url}/${key}?w=200&h=150&f=webp`;
      await get(agent, hitUrl);
      const hit = await load(agent, Array(hits).fill(hitUrl), concurrency, 'Hit');
      results.push({ kind: 'hit', concurrency, requests: hits, p50: percentile(hit.ms, 0.5), p99: percentile(hit.ms, 0.99), perSecond: (hits * 1000) / hit.wall });
    }
  } finally {
    console.log = quiet;
    agent.destroy();
    await edge.close();
  }
  return results;
}
