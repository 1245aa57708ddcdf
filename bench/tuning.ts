// Tuning, measured side by side: each row is a setting against its baseline on the same
// sources in the same rounds (rotating order), so the ratios survive a noisy machine.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../shared/s3-client';
import type { Readable } from 'node:stream';
import sharp, { type ResizeOptions } from 'sharp';
import { S3RVER_CREDENTIALS } from '../infra/local/s3-server';
import type { Geometry } from './pipelines';
import { reference, scoreBoth } from './resize';
import type { BenchSource } from './sources';
import { geomean, mean, summarize } from './stats';

type Variant = (input: Buffer, source: BenchSource) => Promise<Buffer>;

interface Trial {
  readonly setting: string;
  readonly baseline: string;
  readonly variants: Readonly<Record<string, Variant>>;
  /** Compare bytes and SSIM too (encoders); plain speed rows leave them out. */
  readonly scored: boolean;
}

export interface TuningRow {
  readonly setting: string;
  readonly variant: string;
  readonly baseline: string;
  /** Geometric means over sources of baseline ms / variant ms: above 1 is faster. */
  readonly speedup: number;
  readonly ms: number;
  /** Geometric mean of variant bytes / baseline bytes. */
  readonly bytesRatio?: number;
  /** Mean SSIM change against the baseline. */
  readonly ssimChange?: number;
  readonly ssim?: number;
  /** Mean chroma SSIM change against the baseline. */
  readonly chromaChange?: number;
}

const resize = (g: Geometry, options: ResizeOptions = {}) => (input: Buffer) => sharp(input).resize(g.width, g.height, { withoutEnlargement: true, ...options });

function encoderTrials(g: Geometry): Trial[] {
  const r = resize(g);
  return [
    {
      setting: `avif effort (q50, ${g.label})`, baseline: 'effort 4 (default)', scored: true,
      variants: Object.fromEntries([4, 3, 2, 1, 0].map((e) => [e === 4 ? 'effort 4 (default)' : `effort ${e}`, (i: Buffer) => r(i).avif({ quality: 50, effort: e }).toBuffer()])),
    },
    {
      // sharp encodes avif 4:4:4 unless told; web encoders (and every jpeg here) use 4:2:0.
      setting: `avif chroma (q50 effort 3, ${g.label})`, baseline: '4:4:4 (default)', scored: true,
      variants: {
        '4:4:4 (default)': (i) => r(i).avif({ quality: 50, effort: 3 }).toBuffer(),
        '4:2:0': (i) => r(i).avif({ quality: 50, effort: 3, chromaSubsampling: '4:2:0' }).toBuffer(),
        '4:2:0 effort 2': (i) => r(i).avif({ quality: 50, effort: 2, chromaSubsampling: '4:2:0' }).toBuffer(),
        '4:2:0 q55': (i) => r(i).avif({ quality: 55, effort: 3, chromaSubsampling: '4:2:0' }).toBuffer(),
        '4:4:4 effort 2': (i) => r(i).avif({ quality: 50, effort: 2 }).toBuffer(),
      },
    },
    {
      setting: `webp options (q80 effort 2, ${g.label})`, baseline: 'effort 2', scored: true,
      variants: {
        'effort 2': (i) => r(i).webp({ quality: 80, effort: 2 }).toBuffer(),
        'effort 2, smartSubsample': (i) => r(i).webp({ quality: 80, effort: 2, smartSubsample: true }).toBuffer(),
        'effort 2, preset photo': (i) => r(i).webp({ quality: 80, effort: 2, preset: 'photo' }).toBuffer(),
        'effort 1': (i) => r(i).webp({ quality: 80, effort: 1 }).toBuffer(),
      },
    },
    {
      setting: `webp effort (q80, ${g.label})`, baseline: 'effort 4 (default)', scored: true,
      variants: Object.fromEntries([4, 3, 2, 1, 0].map((e) => [e === 4 ? 'effort 4 (default)' : `effort ${e}`, (i: Buffer) => r(i).webp({ quality: 80, effort: e }).toBuffer()])),
    },
    {
      setting: `jpeg (q80, ${g.label})`, baseline: 'progressive', scored: true,
      variants: {
        progressive: (i) => r(i).jpeg({ quality: 80, progressive: true }).toBuffer(),
        baseline: (i) => r(i).jpeg({ quality: 80 }).toBuffer(),
        mozjpeg: (i) => r(i).jpeg({ quality: 80, mozjpeg: true }).toBuffer(),
        'mozjpeg, no trellis': (i) => r(i).jpeg({ quality: 80, mozjpeg: true, trellisQuantisation: false, overshootDeringing: false, optimiseScans: false }).toBuffer(),
      },
    },
    {
      setting: `shrink-on-load (webp, ${g.label})`, baseline: 'fastShrinkOnLoad on', scored: true,
      variants: {
        'fastShrinkOnLoad on': (i) => r(i).webp({ quality: 80 }).toBuffer(),
        'fastShrinkOnLoad off': (i) => resize(g, { fastShrinkOnLoad: false })(i).webp({ quality: 80 }).toBuffer(),
        'autoOrient first (as the handler)': (i) => sharp(i).autoOrient().resize(g.width, g.height, { withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
      },
    },
    {
      setting: `resize kernel (jpeg, ${g.label})`, baseline: 'lanczos3 (sharp default)', scored: true,
      variants: {
        'lanczos3 (sharp default)': (i) => r(i).jpeg({ quality: 80 }).toBuffer(),
        'cubic (the resizer)': (i) => resize(g, { kernel: 'cubic' })(i).jpeg({ quality: 80 }).toBuffer(),
        mitchell: (i) => resize(g, { kernel: 'mitchell' })(i).jpeg({ quality: 80 }).toBuffer(),
        linear: (i) => resize(g, { kernel: 'linear' })(i).jpeg({ quality: 80 }).toBuffer(),
      },
    },
    {
      setting: `header read (webp, ${g.label})`, baseline: 'pipeline only', scored: false,
      variants: {
        'pipeline only': (i) => r(i).webp({ quality: 80 }).toBuffer(),
        'metadata() first': async (i) => { await sharp(i).metadata(); return r(i).webp({ quality: 80 }).toBuffer(); },
      },
    },
  ];
}

async function runTrial(trial: Trial, sources: readonly BenchSource[], geometry: Geometry, rounds: number): Promise<TuningRow[]> {
  const names = Object.keys(trial.variants);
  const perSource: Record<string, { ms: number; bytes: number; ssim: number; chroma: number }[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const source of sources) {
    const ref = trial.scored ? await reference(source.bytes, geometry) : undefined;
    const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    const last: Record<string, Buffer> = {};
    for (let round = 0; round <= rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        const started = performance.now();
        last[name] = await trial.variants[name](source.bytes, source);
        if (round > 0) ms[name].push(performance.now() - started);
      }
    }
    for (const name of names) {
      const scores = ref ? await scoreBoth(last[name], ref) : { luma: NaN, chroma: NaN };
      perSource[name].push({ ms: summarize(ms[name]).median, bytes: last[name].length, ssim: scores.luma, chroma: scores.chroma });
    }
  }
  const base = perSource[trial.baseline];
  return names.map((name) => {
    const rows = perSource[name];
    return {
      setting: trial.setting, variant: name, baseline: trial.baseline,
      speedup: geomean(rows.map((r, i) => base[i].ms / r.ms)),
      ms: geomean(rows.map((r) => r.ms)),
      ...(trial.scored ? {
        bytesRatio: geomean(rows.map((r, i) => r.bytes / base[i].bytes)),
        ssimChange: mean(rows.map((r, i) => r.ssim - base[i].ssim)),
        ssim: mean(rows.map((r) => r.ssim)),
        chromaChange: mean(rows.map((r, i) => r.chroma - base[i].chroma)),
      } : {}),
    };
  });
}

export interface S3TuningContext {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
}

/** Client reuse and body handling, over the same objects. */
function s3Trials(ctx: S3TuningContext, geometry: Geometry): Trial[] {
  // The project's one S3 client factory, as the resizer builds its client.
  const options = { region: 'us-east-1', endpoint: ctx.endpoint, credentials: S3RVER_CREDENTIALS, maxAttempts: 2 };
  const shared = createS3Client(options);
  const key = (source: BenchSource) => `${ctx.prefix}/${source.name}`;
  return [{
    setting: 'S3 client and body', baseline: 'reused client, buffered body', scored: false,
    variants: {
      'reused client, buffered body': async (_, source) => {
        const out = await shared.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key(source) }));
        const bytes = await out.Body!.transformToByteArray();
        return sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).resize(geometry.width, geometry.height).webp({ quality: 80 }).toBuffer();
      },
      'reused client, body streamed into sharp': async (_, source) => {
        const out = await shared.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key(source) }));
        const pipeline = sharp().resize(geometry.width, geometry.height).webp({ quality: 80 });
        (out.Body as Readable).pipe(pipeline);
        return pipeline.toBuffer();
      },
      'new client per request, buffered body': async (_, source) => {
        const client = createS3Client(options);
        try {
          const out = await client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key(source) }));
          const bytes = await out.Body!.transformToByteArray();
          return sharp(Buffer.from(bytes)).resize(geometry.width, geometry.height).webp({ quality: 80 }).toBuffer();
        } finally {
          client.destroy();
        }
      },
    },
  }];
}

export async function benchTuning(sources: readonly BenchSource[], geometries: readonly Geometry[], rounds: number, s3: S3TuningContext): Promise<TuningRow[]> {
  const rows: TuningRow[] = [];
  const photos = sources.filter((s) => s.kind === 'photo');
  for (const geometry of geometries) {
    for (const trial of encoderTrials(geometry)) rows.push(...await runTrial(trial, photos, geometry, rounds));
  }
  for (const trial of s3Trials(s3, geometries[geometries.length - 1])) {
    rows.push(...await runTrial(trial, sources, geometries[geometries.length - 1], rounds));
  }
  // libvips' operation cache across requests for different originals.
  const cacheTrial: Trial = {
    setting: 'sharp.cache, the same original again (the cache\'s best case)', baseline: 'cache off', scored: false,
    variants: {
      'cache off': async (i) => { sharp.cache(false); return sharp(i).resize(200, 150).webp().toBuffer(); },
      'cache on (sharp default)': async (i) => { sharp.cache(true); return sharp(i).resize(200, 150).webp().toBuffer(); },
    },
  };
  rows.push(...await runTrial(cacheTrial, sources, geometries[0], rounds));
  sharp.cache(false);
  return rows;
}
